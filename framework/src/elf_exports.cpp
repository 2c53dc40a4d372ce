#include "elf_exports.hpp"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace vidpipe::runtime {
namespace {

// Real libraries' tables take a few MiB at most; one said to be larger is refused unread, so a
// damaged or hostile file costs little memory and time whatever it claims.
constexpr uint64_t kMaxTableBytes = uint64_t{64} << 20;

const std::string kNotLoadable = "not a shared library this system can load: ";

// An open file's bytes, with every offset and size checked against its length.
class File {
 public:
  File(int fd, uint64_t size) : fd_(fd), size_(size) {}
  uint64_t size() const { return size_; }
  bool read(uint64_t offset, void* out, uint64_t n) const {
    if (offset > size_ || n > size_ - offset) return false;
    for (auto* p = static_cast<char*>(out); n > 0;) {
      const ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      p += got, offset += static_cast<uint64_t>(got), n -= static_cast<uint64_t>(got);
    }
    return true;
  }

 private:
  int fd_;
  uint64_t size_;
};

// Reads the `count` entries of a table at `offset`: "", or why they cannot be read.
template <class T>
std::string read_table(const File& f, uint64_t offset, uint64_t count, const char* what, std::vector<T>& out) {
  if (count > kMaxTableBytes / sizeof(T))
    return fmt::format("its {} cannot be read: it is larger than {} MiB", what, kMaxTableBytes >> 20);
  out.resize(count);
  if (count != 0 && !f.read(offset, out.data(), count * sizeof(T)))
    return kNotLoadable + fmt::format("its {} is damaged", what);
  return "";
}

struct DynamicSymbols {
  std::vector<Elf64_Sym> symbols;
  std::vector<char> names;
};

// The number of dynamic symbols, from a GNU hash table (the dynamic segment does not record
// it): the symbols from `symoffset` on are hashed, and the last of them ends the chain of the
// highest-numbered bucket (its chain word has the low bit set).
std::string gnu_hash_symbol_count(const File& f, uint64_t offset, uint64_t& count) {
  uint32_t header[4];  // nbuckets, symoffset, bloom words (64-bit), bloom shift
  if (!f.read(offset, header, sizeof header)) return kNotLoadable + "its GNU hash table is damaged";
  const uint64_t symoffset = header[1], buckets_at = offset + sizeof header + uint64_t{header[2]} * 8;
  std::vector<uint32_t> buckets;
  if (std::string error = read_table(f, buckets_at, header[0], "GNU hash table", buckets); !error.empty()) return error;
  const uint64_t last = buckets.empty() ? 0 : *std::max_element(buckets.begin(), buckets.end());
  if (last < symoffset) {  // nothing is hashed
    count = symoffset;
    return "";
  }
  const uint64_t chains_at = buckets_at + buckets.size() * sizeof(uint32_t);
  std::vector<uint32_t> block(4096);
  for (uint64_t i = last; i < kMaxTableBytes / sizeof(Elf64_Sym);) {
    const uint64_t at = chains_at + (i - symoffset) * sizeof(uint32_t);
    const uint64_t n = std::min<uint64_t>(block.size(), (f.size() - std::min(at, f.size())) / sizeof(uint32_t));
    if (n == 0 || !f.read(at, block.data(), n * sizeof(uint32_t))) return kNotLoadable + "its GNU hash table is damaged";
    for (uint64_t k = 0; k < n; ++k, ++i)
      if (block[k] & 1) {
        count = i + 1;
        return "";
      }
  }
  return fmt::format("its dynamic symbol table cannot be read: it is larger than {} MiB", kMaxTableBytes >> 20);
}

// Through the program headers, as the dynamic loader finds them in a library without section
// headers (`sstrip` removes them): DT_SYMTAB, DT_STRTAB and DT_STRSZ of the dynamic segment,
// and the symbol count from its DT_HASH or DT_GNU_HASH table.
std::string from_dynamic_segment(const File& f, const Elf64_Ehdr& eh, DynamicSymbols& out) {
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == PN_XNUM) return kNotLoadable + "its program headers are damaged";
  std::vector<Elf64_Phdr> segments;
  if (std::string error = read_table(f, eh.e_phoff, eh.e_phnum, "program header table", segments); !error.empty())
    return error;
  const auto dynamic =
      std::find_if(segments.begin(), segments.end(), [](const Elf64_Phdr& p) { return p.p_type == PT_DYNAMIC; });
  if (dynamic == segments.end()) return kNotLoadable + "it has neither section headers nor a dynamic segment";
  std::vector<Elf64_Dyn> entries;
  if (std::string error = read_table(f, dynamic->p_offset, dynamic->p_filesz / sizeof(Elf64_Dyn), "dynamic segment", entries);
      !error.empty())
    return error;
  uint64_t symtab = 0, strtab = 0, strsz = 0, hash = 0, gnu_hash = 0;  // addresses once loaded, and a size
  for (const Elf64_Dyn& d : entries) {
    if (d.d_tag == DT_NULL) break;
    if (d.d_tag == DT_SYMTAB) symtab = d.d_un.d_ptr;
    if (d.d_tag == DT_STRTAB) strtab = d.d_un.d_ptr;
    if (d.d_tag == DT_STRSZ) strsz = d.d_un.d_val;
    if (d.d_tag == DT_HASH) hash = d.d_un.d_ptr;
    if (d.d_tag == DT_GNU_HASH) gnu_hash = d.d_un.d_ptr;
  }
  // Where a table is in the file: its place in the PT_LOAD segment that maps its address (0:
  // nowhere; no table starts where the ELF header is).
  auto file_offset = [&](uint64_t address) -> uint64_t {
    for (const Elf64_Phdr& p : segments)
      if (address != 0 && p.p_type == PT_LOAD && address >= p.p_vaddr && address - p.p_vaddr < p.p_filesz)
        return p.p_offset + (address - p.p_vaddr);
    return 0;
  };
  const std::string unreadable = "its dynamic symbol table cannot be read without section headers: ";
  const uint64_t symtab_at = file_offset(symtab), strtab_at = file_offset(strtab);
  const uint64_t hash_at = file_offset(hash), gnu_hash_at = file_offset(gnu_hash);
  if (symtab_at == 0 || strtab_at == 0) return unreadable + "the dynamic segment locates no symbol or string table in the file";
  uint64_t count = 0;
  if (hash_at != 0) {
    uint32_t header[2];  // nbucket, nchain (= the number of symbols)
    if (!f.read(hash_at, header, sizeof header)) return kNotLoadable + "its hash table is damaged";
    count = header[1];
  } else if (gnu_hash_at != 0) {
    if (std::string error = gnu_hash_symbol_count(f, gnu_hash_at, count); !error.empty()) return error;
  } else {
    return unreadable + "it has no DT_HASH or DT_GNU_HASH table to count the symbols";
  }
  if (std::string error = read_table(f, symtab_at, count, "dynamic symbol table", out.symbols); !error.empty()) return error;
  return read_table(f, strtab_at, strsz, "dynamic string table", out.names);
}

// Through the section headers: the first SHT_DYNSYM section (a library has one) and the string
// table its sh_link names.
std::string from_sections(const File& f, const Elf64_Ehdr& eh, DynamicSymbols& out) {
  const std::string damaged = kNotLoadable + "its section headers are damaged";
  if (eh.e_shentsize != sizeof(Elf64_Shdr)) return damaged;
  uint64_t count = eh.e_shnum;
  if (count == 0) {  // extended numbering (SHN_LORESERVE sections or more): the count is section 0's sh_size
    Elf64_Shdr first{};
    if (!f.read(eh.e_shoff, &first, sizeof first)) return damaged;
    count = first.sh_size;
    if (count == 0) return from_dynamic_segment(f, eh, out);
  }
  std::vector<Elf64_Shdr> sections;
  if (std::string error = read_table(f, eh.e_shoff, count, "section header table", sections); !error.empty()) return error;
  for (const Elf64_Shdr& s : sections) {
    if (s.sh_type != SHT_DYNSYM) continue;
    if (s.sh_entsize != sizeof(Elf64_Sym) || s.sh_link >= sections.size())
      return kNotLoadable + "its dynamic symbol table is damaged";
    if (std::string error = read_table(f, s.sh_offset, s.sh_size / sizeof(Elf64_Sym), "dynamic symbol table", out.symbols);
        !error.empty())
      return error;
    const Elf64_Shdr& strings = sections[s.sh_link];
    return read_table(f, strings.sh_offset, strings.sh_size, "dynamic string table", out.names);
  }
  return "";  // no dynamic symbols: it exports nothing
}

bool exports_function(const DynamicSymbols& table, const std::string& symbol) {
  const std::vector<char>& names = table.names;
  for (const Elf64_Sym& sym : table.symbols) {
    const unsigned bind = ELF64_ST_BIND(sym.st_info);
    if (sym.st_shndx == SHN_UNDEF || ELF64_ST_TYPE(sym.st_info) != STT_FUNC || (bind != STB_GLOBAL && bind != STB_WEAK) ||
        ELF64_ST_VISIBILITY(sym.st_other) != STV_DEFAULT)
      continue;
    // The name must end inside the string table.
    if (sym.st_name < names.size() && symbol.size() < names.size() - sym.st_name &&
        std::memcmp(&names[sym.st_name], symbol.c_str(), symbol.size() + 1) == 0)
      return true;
  }
  return false;
}

}  // namespace

std::optional<bool> elf_exports_function(int fd, const std::string& symbol, std::string& why) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    why = "it is not a regular file";
    return std::nullopt;
  }
  const File f(fd, static_cast<uint64_t>(st.st_size));
  Elf64_Ehdr eh{};
  if (!f.read(0, &eh, sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
    why = kNotLoadable + "it is not an ELF file";
    return std::nullopt;
  }
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_DYN) {
    why = kNotLoadable + "it is not a 64-bit little-endian shared library";
    return std::nullopt;
  }
  DynamicSymbols table;
  why = eh.e_shoff != 0 ? from_sections(f, eh, table) : from_dynamic_segment(f, eh, table);
  if (!why.empty()) return std::nullopt;
  return exports_function(table, symbol);
}

}  // namespace vidpipe::runtime
