// Reading a shared library's exported functions from the file, without loading it.
//
// Loading a library (dlopen) runs its constructors, so the plugin loader first checks the file
// for the plugin entry point. boost::dll::library_info (Boost 1.74) reads only the static
// symbol table (.symtab), which `strip` and Linux packages remove; the dynamic symbol table
// (.dynsym) read here is what dlsym searches, stripped or not.
#pragma once

#include <optional>
#include <string>

namespace vidpipe::runtime {

// Whether the 64-bit ELF shared library at `path` defines and exports the function `symbol`.
// nullopt when the file is not such a library; `why` then says what it is instead.
std::optional<bool> elf_exports_function(const std::string& path, const std::string& symbol, std::string& why);

}  // namespace vidpipe::runtime
