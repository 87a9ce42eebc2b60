using System;
using System.Collections.Generic;
using System.Linq;

namespace Library.Loans
{
    /// <summary>Tracks book loans and computes late fees.</summary>
    public class LoanDesk
    {
        private readonly Dictionary<string, DateTime> _due = new Dictionary<string, DateTime>();

        public decimal DailyFee { get; set; } = 0.25m;

        public void Lend(string isbn, DateTime due)
        {
            if (string.IsNullOrWhiteSpace(isbn))
            {
                throw new ArgumentException("ISBN is required", nameof(isbn));
            }
            _due[isbn] = due;
        }

        public decimal Return(string isbn, DateTime returnedOn)
        {
            if (!_due.TryGetValue(isbn, out var due))
            {
                return 0m;
            }
            _due.Remove(isbn);
            var daysLate = (returnedOn.Date - due.Date).Days;
            return daysLate > 0 ? daysLate * DailyFee : 0m;
        }

        public IReadOnlyList<string> Overdue(DateTime today, int graceDays = 0)
        {
            var result = new List<string>();
            foreach (var pair in _due)
            {
                if (pair.Value.AddDays(graceDays) < today && !result.Contains(pair.Key))
                {
                    result.Add(pair.Key);
                }
            }
            return result.OrderBy(isbn => isbn).ToList();
        }

        public static string Describe(decimal? fee)
        {
            var amount = fee ?? 0m;
            if (amount == 0m)
                return "nothing owed";
            else if (amount < 5m)
                return $"small fee: {amount}";
            return $"fee: {amount}";
        }
    }
}
