#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace shop {

class Cart {
public:
    void add(const std::string &sku, int quantity) {
        if (quantity <= 0) {
            throw std::invalid_argument("quantity must be positive");
        }
        lines_[sku] += quantity;
    }

    bool remove(const std::string &sku, int quantity) {
        auto it = lines_.find(sku);
        if (it == lines_.end() || it->second < quantity) {
            return false;
        }
        it->second -= quantity;
        if (it->second == 0) {
            lines_.erase(it);
        }
        return true;
    }

    int total_items() const {
        int total = 0;
        for (const auto &line : lines_) {
            total += line.second;
        }
        return total;
    }

private:
    std::map<std::string, int> lines_;
};

std::vector<std::string> top_skus(const std::map<std::string, int> &sales, std::size_t n) {
    std::vector<std::pair<std::string, int>> entries(sales.begin(), sales.end());
    std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::vector<std::string> result;
    for (std::size_t i = 0; i < entries.size() && i < n; ++i) {
        result.push_back(entries[i].first);
    }
    return result;
}

}  // namespace shop
