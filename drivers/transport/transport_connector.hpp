#pragma once
// TransportConnector: how a driver (re)opens its link to the device.
//
// Contract: each call opens a fresh Transport to the same device (a new TCP
// connection, a re-claimed USB interface) and returns it, or an Error when
// the device cannot be reached now (connection refused, no such USB device,
// permission denied). A driver calls it lazily, on first use, and again on
// the next call after its transport reported Timeout or Disconnected (the
// driver then drops the old transport: a link that timed out may still
// deliver a late reply, so it is never reused). The connector must be
// bounded in time (TcpTransport's connect timeout) and must not throw.
//
// Threading: called only on the driver's device worker thread, like the
// Transport it returns. Ownership: the driver owns the returned transport.

#include <functional>
#include <memory>

#include "core/result.hpp"
#include "transport/transport.hpp"

namespace cardd::drivers {

using TransportConnector = std::function<Result<std::unique_ptr<Transport>>()>;

}  // namespace cardd::drivers
