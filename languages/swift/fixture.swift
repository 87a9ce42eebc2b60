import Foundation

enum ValidationError: Error, Equatable {
    case empty
    case tooLong(Int)
}

struct Account {
    let name: String
    var balance: Double
}

final class Bank {
    private var accounts: [String: Account] = [:]

    func open(name: String, deposit: Double = 0) throws -> Account {
        guard !name.isEmpty else {
            throw ValidationError.empty
        }
        if name.count > 40 {
            throw ValidationError.tooLong(name.count)
        }
        let account = Account(name: name, balance: max(0, deposit))
        accounts[name] = account
        return account
    }

    func transfer(from: String, to: String, amount: Double) -> Bool {
        guard var source = accounts[from], var target = accounts[to], amount > 0 else {
            return false
        }
        if source.balance < amount {
            return false
        }
        source.balance -= amount
        target.balance += amount
        accounts[from] = source
        accounts[to] = target
        return true
    }

    func richest(limit: Int) -> [String] {
        var names: [String] = []
        for account in accounts.values.sorted(by: { $0.balance > $1.balance }) {
            if names.count >= limit {
                break
            }
            names.append(account.name)
        }
        return names
    }
}

func describe(balance: Double?) -> String {
    let value = balance ?? 0
    switch value {
    case ..<0:
        return "overdrawn"
    case 0:
        return "empty"
    default:
        return value > 1000 ? "rich" : "ok"
    }
}
