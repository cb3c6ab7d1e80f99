// Addresses, network, resources and storage of the fake unit.

package jujuctest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
)

// PrivateAddress implements jujuc.Context.
func (c *Context) PrivateAddress() (string, error) { return c.Private, nil }

// PublicAddress implements jujuc.Context.
func (c *Context) PublicAddress() (string, error) { return c.Public, nil }

// NetworkInfo implements jujuc.Context.
func (c *Context) NetworkInfo(binding string, relationID int) (jujuc.NetworkInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni, ok := c.Networks[binding]
	if !ok {
		return jujuc.NetworkInfo{}, jujuc.ErrBindingNotFound
	}
	return ni, nil
}

// DownloadResource implements jujuc.Context.
func (c *Context) DownloadResource(name string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	path, ok := c.Resources[name]
	if !ok {
		return "", jujuc.ErrResourceNotFound
	}
	return path, nil
}

// StorageIDs implements jujuc.Context.
func (c *Context) StorageIDs(name string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for id := range c.Storages {
		if name == "" || strings.HasPrefix(id, name+"/") {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Storage implements jujuc.Context.
func (c *Context) Storage(id string) (jujuc.StorageInstance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.Storages[id]
	if !ok {
		return jujuc.StorageInstance{}, fmt.Errorf("storage %q not found", id)
	}
	return st, nil
}

// HookStorageID implements jujuc.Context.
func (c *Context) HookStorageID() (string, bool) { return c.HookStorage, c.HookStorage != "" }
