#include <gtest/gtest.h>

#include "cli/table.hpp"

namespace cardd::cli {
namespace {

TEST(Table, PadsColumnsWithoutTrailingSpaces) {
  Table t({"ID", "STATE", "OWNER"});
  t.align(0, Align::Right);
  t.addRow({"7", "pending", "clerk"});
  t.addRow({"12", "pending-held", ""});
  EXPECT_EQ(t.rowCount(), 2U);
  EXPECT_EQ(t.render(),
            "ID  STATE         OWNER\n"
            " 7  pending       clerk\n"
            "12  pending-held  -\n");
}

TEST(Table, HeaderOnly) {
  Table t({"A", "B"});
  EXPECT_EQ(t.render(), "A  B\n");
}

TEST(Table, MissingAndExtraCells) {
  Table t({"A", "B"});
  t.addRow({"x"});
  t.addRow({"1", "2", "3"});
  EXPECT_EQ(t.render(), "A  B\nx  -\n1  2\n");
}

TEST(Table, Utf8WidthAndControlCharacters) {
  Table t({"USER", "N"});
  t.addRow({"s\xC3\xAFti", "1"});  // "sïti": 4 code points, 5 bytes
  t.addRow({"evil\x1b[2J", "2"});
  EXPECT_EQ(t.render(),
            "USER      N\n"
            "s\xC3\xAFti      1\n"
            "evil?[2J  2\n");
}

TEST(Table, DisplayWidth) {
  EXPECT_EQ(displayWidth(""), 0U);
  EXPECT_EQ(displayWidth("abc"), 3U);
  EXPECT_EQ(displayWidth("\u2192"), 1U);
  EXPECT_EQ(sanitize("a\nb\tc\x7f"), "a?b?c?");
}

}  // namespace
}  // namespace cardd::cli
