// A monthly account statement as a PDF document (libHaru, Debian libhpdf-dev): the sandbox
// institution's statements (GET /api/fdx/5/accounts/{accountId}/statements/{statementId}).
// Pure function of its input; thread-safe (each call has its own document).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace obauth::fdx {

struct StatementLine {
  std::string date;  // YYYY-MM-DD
  std::string description;
  bool credit = false;            // money in (or a payment towards a debt)
  std::int64_t amount_cents = 0;  // > 0
};

struct StatementContent {
  std::string institution;             // e.g. "obauth Sandbox Bank"
  std::string customer_name;           // e.g. "Alice Martin"
  std::string account_name;            // e.g. "Everyday Chequing"
  std::string account_number_display;  // e.g. "****4821"
  std::string currency;                // ISO 4217, e.g. "CAD"
  std::string period_start;            // YYYY-MM-DD, first day of the month
  std::string period_end;              // YYYY-MM-DD, last day of the month
  std::int64_t opening_balance_cents = 0;
  std::int64_t closing_balance_cents = 0;
  std::vector<StatementLine> lines;  // oldest first
};

// The statement's PDF bytes; kInternal when the library fails.
[[nodiscard]] Result<std::string> RenderStatementPdf(const StatementContent& statement);

}  // namespace obauth::fdx
