#include "elf_exports.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace vidpipe::runtime {
namespace {

// A file's bytes, read on demand with every offset and size checked against its length (a
// damaged or hostile file must not make the reader go out of bounds).
class File {
 public:
  explicit File(const std::string& path) : in_(path, std::ios::binary) {
    if (in_) {
      in_.seekg(0, std::ios::end);
      size_ = static_cast<uint64_t>(in_.tellg());
    }
  }
  bool is_open() const { return static_cast<bool>(in_); }
  bool read(uint64_t offset, void* out, uint64_t n) {
    if (offset > size_ || n > size_ - offset) return false;
    in_.seekg(static_cast<std::streamoff>(offset));
    return static_cast<bool>(in_.read(static_cast<char*>(out), static_cast<std::streamsize>(n)));
  }
  template <class T> bool read_array(uint64_t offset, uint64_t bytes, std::vector<T>& out) {
    if (bytes > size_) return false;
    out.resize(bytes / sizeof(T));
    return out.empty() || read(offset, out.data(), out.size() * sizeof(T));
  }

 private:
  std::ifstream in_;
  uint64_t size_ = 0;
};

}  // namespace

std::optional<bool> elf_exports_function(const std::string& path, const std::string& symbol, std::string& why) {
  File f(path);
  if (!f.is_open()) {
    why = "cannot be read";
    return std::nullopt;
  }
  Elf64_Ehdr eh{};
  if (!f.read(0, &eh, sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
    why = "it is not an ELF file";
    return std::nullopt;
  }
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_DYN) {
    why = "it is not a 64-bit little-endian shared library";
    return std::nullopt;
  }
  std::vector<Elf64_Shdr> sections;
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || !f.read_array(eh.e_shoff, uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr), sections)) {
    why = "its section headers are missing or damaged";
    return std::nullopt;
  }
  for (const Elf64_Shdr& s : sections) {
    if (s.sh_type != SHT_DYNSYM) continue;
    std::vector<Elf64_Sym> symbols;
    std::vector<char> names;
    if (s.sh_link >= sections.size() || !f.read_array(s.sh_offset, s.sh_size, symbols) ||
        !f.read_array(sections[s.sh_link].sh_offset, sections[s.sh_link].sh_size, names)) {
      why = "its dynamic symbol table is damaged";
      return std::nullopt;
    }
    for (const Elf64_Sym& sym : symbols) {
      const unsigned bind = ELF64_ST_BIND(sym.st_info);
      if (sym.st_shndx == SHN_UNDEF || ELF64_ST_TYPE(sym.st_info) != STT_FUNC ||
          (bind != STB_GLOBAL && bind != STB_WEAK) || ELF64_ST_VISIBILITY(sym.st_other) != STV_DEFAULT)
        continue;
      // The name must end inside the string table.
      if (sym.st_name < names.size() && symbol.size() < names.size() - sym.st_name &&
          std::memcmp(&names[sym.st_name], symbol.c_str(), symbol.size() + 1) == 0)
        return true;
    }
  }
  return false;
}

}  // namespace vidpipe::runtime
