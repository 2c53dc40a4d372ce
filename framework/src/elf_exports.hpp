// Reading a shared library's exported functions from the file, without loading it.
//
// Loading a library (dlopen) runs its constructors, so the plugin loader first checks the file
// for the plugin entry point. boost::dll::library_info (Boost 1.74) reads only the static
// symbol table (.symtab), which `strip` and Linux packages remove; the dynamic symbol table
// (.dynsym) read here is what dlsym searches, stripped or not. It is found through the section
// headers or, in a library that has none, through the dynamic segment, as the dynamic loader
// finds it.
#pragma once

#include <optional>
#include <string>

namespace vidpipe::runtime {

// Whether the 64-bit ELF shared library open at `fd` defines and exports the function `symbol`.
// nullopt when the file is not such a library or its symbols cannot be read; `why` then says
// so in a few words. Reads at most a few tables of bounded size, whatever the file claims.
std::optional<bool> elf_exports_function(int fd, const std::string& symbol, std::string& why);

}  // namespace vidpipe::runtime
