<?php

declare(strict_types=1);

namespace App\Billing;

final class InvoiceCalculator
{
    /** @var array<string, float> */
    private array $taxRates;

    public function __construct(array $taxRates)
    {
        $this->taxRates = $taxRates;
    }

    public function total(array $lines, string $region): float
    {
        $sum = 0.0;
        foreach ($lines as $line) {
            if (!isset($line['price'], $line['quantity'])) {
                continue;
            }
            $sum += $line['price'] * $line['quantity'];
        }
        $rate = $this->taxRates[$region] ?? 0.0;
        return round($sum * (1 + $rate), 2);
    }

    public function status(float $paid, float $due): string
    {
        if ($paid <= 0) {
            return 'unpaid';
        } elseif ($paid < $due) {
            return 'partial';
        }
        return $paid > $due ? 'overpaid' : 'paid';
    }
}

function format_lines(array $lines): string
{
    $out = '';
    foreach ($lines as $i => $line) {
        $name = $line['name'] ?? 'item';
        $out .= sprintf("%d. %s x%d\n", $i + 1, $name, $line['quantity'] ?? 1);
    }
    return $out;
}
