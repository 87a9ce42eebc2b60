package inventory

import (
	"errors"
	"sort"
	"strings"
)

// Item is one stock line.
type Item struct {
	SKU      string
	Quantity int
	Tags     []string
}

// Store keeps items by SKU.
type Store struct {
	items map[string]*Item
}

// Restock adds amount to an item, creating it when it is new.
func (s *Store) Restock(sku string, amount int) (int, error) {
	if amount <= 0 {
		return 0, errors.New("amount must be positive")
	}
	item, ok := s.items[sku]
	if !ok {
		item = &Item{SKU: sku}
		s.items[sku] = item
	}
	item.Quantity += amount
	return item.Quantity, nil
}

// LowStock lists the SKUs at or below the threshold, skipping archived items.
func (s *Store) LowStock(threshold int) []string {
	var result []string
	for sku, item := range s.items {
		if item.Quantity > threshold {
			continue
		}
		archived := false
		for _, tag := range item.Tags {
			if tag == "archived" || strings.HasPrefix(tag, "old-") {
				archived = true
				break
			}
		}
		if !archived {
			result = append(result, sku)
		}
	}
	sort.Strings(result)
	return result
}

// Classify names a quantity band.
func Classify(quantity, low, high int) string {
	switch {
	case quantity <= 0:
		return "empty"
	case quantity < low:
		return "low"
	case quantity > high:
		return "high"
	default:
		return "normal"
	}
}
