// The readable (table) form of the admin API's recipient answers, for the command line.
// Pure functions; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace obauth::cli {

// GET /api/v1/recipients: one row per recipient (CLIENT ID, NAME, COUNTRY, CLIENT URI), or a
// line saying there are none. kInternal when `list` is not an array of recipient objects.
[[nodiscard]] Result<std::string> RenderRecipientList(const boost::json::value& list);

// GET/PUT/POST recipient answers: one "field  value" line per member, in the documented order
// (members the CLI does not know follow, so nothing the server sent is hidden), null as "-".
// A client_secret (create) comes last with the line saying it is shown only once.
// kInternal when `recipient` is not an object with a client_id.
[[nodiscard]] Result<std::string> RenderRecipient(const boost::json::value& recipient);

// POST .../secret: the recipient, the new secret with the shown-once line, and what became of
// the previous secret. kInternal when `issued` lacks client_id or client_secret.
[[nodiscard]] Result<std::string> RenderIssuedSecret(const boost::json::value& issued);

// `text` safe to print on a terminal: control characters (line breaks, escapes) shown as \n,
// \t or \xHH, C1 controls and bidirectional formatting characters as \u{HHHH}, and bytes that
// are not UTF-8 as \xHH, so a value the server returns cannot move the cursor, inject escapes
// or reorder what follows.
std::string Printable(std::string_view text);

// The number of columns `text` takes (UTF-8 code points; wide characters count as one).
std::size_t DisplayWidth(std::string_view text);

}  // namespace obauth::cli
