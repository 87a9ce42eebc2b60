"""Inventory helpers: stock levels, reorder decisions and a small report."""

from dataclasses import dataclass, field


@dataclass
class Item:
    sku: str
    quantity: int
    reorder_at: int = 5
    tags: list = field(default_factory=list)


class Inventory:
    def __init__(self, items=None):
        self.items = {item.sku: item for item in items or []}

    def restock(self, sku, amount):
        if amount <= 0:
            raise ValueError(f"amount must be positive, got {amount}")
        item = self.items.get(sku)
        if item is None:
            item = Item(sku, 0)
            self.items[sku] = item
        item.quantity += amount
        return item.quantity

    def to_reorder(self, include_tagged=False):
        result = []
        for item in self.items.values():
            if item.quantity <= item.reorder_at and (include_tagged or not item.tags):
                result.append(item.sku)
        return sorted(result)


def parse_line(line):
    parts = [part.strip() for part in line.split(",") if part.strip()]
    if len(parts) < 2:
        return None
    try:
        quantity = int(parts[1])
    except ValueError:
        return None
    return Item(parts[0], quantity, tags=parts[2:])


def summarize(items, threshold=10):
    low, high = 0, 0
    for item in items:
        if item.quantity < threshold:
            low += 1
        elif item.quantity > threshold * 10:
            high += 1
        else:
            continue
    label = "busy" if high > low else "quiet"

    def describe(count):
        return "none" if count == 0 else str(count)

    return f"{label}: {describe(low)} low, {describe(high)} high"
