#include "api/access.hpp"

#include <gtest/gtest.h>

namespace cardd::api {
namespace {

constexpr RoleSet bit(Role r) {
  return static_cast<RoleSet>(r);
}

TEST(Access, RootIsAlwaysAdmin) {
  AccessResolver resolver(AccessConfig{});
  auto peer = resolver.resolve(0, 0, 1);
  EXPECT_TRUE(peer.has(Role::Admin));
  EXPECT_EQ(peer.actor.user, "root");
}

TEST(Access, NumericUidsAndGidsGrantRoles) {
  AccessConfig cfg;
  cfg.grants[Role::Operator].users = {"#4242"};
  cfg.grants[Role::Technician].groups = {"#777"};
  AccessResolver resolver(cfg);
  auto clerk = resolver.resolve(4242, 100, 1);
  EXPECT_EQ(clerk.roles, bit(Role::Operator));
  EXPECT_EQ(clerk.actor.user, "#4242");  // no passwd entry
  auto tech = resolver.resolve(5000, 777, 1);
  EXPECT_EQ(tech.roles, bit(Role::Technician));
  auto nobody = resolver.resolve(5001, 5001, 1);
  EXPECT_EQ(nobody.roles, 0);
}

TEST(Access, UserNamesResolveThroughPasswd) {
  AccessConfig cfg;
  cfg.grants[Role::Supervisor].users = {"nobody"};
  AccessResolver resolver(cfg);
  auto peer = resolver.resolve(65534, 65534, 1);
  EXPECT_EQ(peer.actor.user, "nobody");
  EXPECT_TRUE(peer.has(Role::Supervisor));
}

TEST(Access, PermissionsNameTheirRoles) {
  EXPECT_EQ(roleNames(rolesFor(Permission::HoldJob)),
            (std::vector<std::string>{"supervisor", "admin"}));
  EXPECT_EQ(roleNames(rolesFor(Permission::SubmitJob)),
            (std::vector<std::string>{"operator", "supervisor", "admin"}));
  EXPECT_EQ(rolesFor(Permission::ReadAudit) & bit(Role::Operator), 0);
}

TEST(Access, PrinterPermissions) {
  EXPECT_EQ(roleNames(rolesFor(Permission::ReadPrinters)),
            (std::vector<std::string>{"operator", "supervisor", "technician", "admin"}));
  EXPECT_EQ(roleNames(rolesFor(Permission::ControlPrinters)),
            (std::vector<std::string>{"supervisor", "technician", "admin"}));
}

}  // namespace
}  // namespace cardd::api
