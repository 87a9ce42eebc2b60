package com.example.orders;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Prices orders and applies discounts. */
public class OrderPricer {
    private final Map<String, Double> prices;
    private final double discountRate;

    public OrderPricer(Map<String, Double> prices, double discountRate) {
        if (discountRate < 0 || discountRate > 1) {
            throw new IllegalArgumentException("discount rate out of range: " + discountRate);
        }
        this.prices = prices;
        this.discountRate = discountRate;
    }

    public double total(List<String> skus, boolean member) {
        double sum = 0;
        for (String sku : skus) {
            Double price = prices.get(sku);
            if (price == null) {
                continue;
            }
            sum += price;
        }
        return member && sum > 100 ? sum * (1 - discountRate) : sum;
    }

    public List<String> unknown(List<String> skus) {
        List<String> missing = new ArrayList<>();
        for (String sku : skus) {
            if (!prices.containsKey(sku) && !missing.contains(sku)) {
                missing.add(sku);
            }
        }
        return missing;
    }

    static int parseQuantity(String text) {
        try {
            int value = Integer.parseInt(text.trim());
            if (value < 0) {
                return 0;
            } else if (value > 1000) {
                return 1000;
            }
            return value;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
