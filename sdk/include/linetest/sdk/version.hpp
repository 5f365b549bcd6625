#pragma once

namespace linetest::sdk {

/// Plugin ABI version. The host refuses a plugin built against another value.
///
/// Bump it whenever anything a plugin compiles against changes layout: the
/// `plugin` interface and its virtual order, any type in this SDK, the context.
/// A host and its plugins must also share the compiler, standard library and
/// flags, because the interface is a C++ class (Boost.DLL gives no ABI guarantee).
inline constexpr int abi_version = 1;

}  // namespace linetest::sdk
