/** The snippet "Try an example" fills in: a few functions with something to find in each. */
export const EXAMPLE_PYTHON = `"""Order helpers: a small example to analyse."""


def total(prices, discount=0.0):
    """Sum the prices, less a discount between 0 and 1."""
    return sum(prices) * (1 - discount)


def find_duplicates(items):
    duplicates = []
    for index, item in enumerate(items):
        for other in items[index + 1:]:
            if item == other and item not in duplicates:
                duplicates.append(item)
    return duplicates


def describe(order):
    text = ""
    for line in order["lines"]:
        if line["quantity"] > 10:
            text += f"{line['name']} (bulk)\\n"
        elif line["quantity"] > 0:
            text += f"{line['name']}\\n"
        else:
            continue
    return text


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
`
