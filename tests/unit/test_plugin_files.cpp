// What the plugin loader reads before it loads anything (plugin_file.hpp, elf_exports.hpp):
// damaged and hostile library files, libraries without section headers, FIFOs and symlinks,
// and that the file loaded is the file checked.
#include <doctest/doctest.h>

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "plugin_file.hpp"
#include "plugin_test_helpers.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using vidpipe::runtime::NodeRegistry;

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  fs::permissions(path, fs::perms(0755));
}

template <class T> T get(const std::string& bytes, uint64_t at) {
  T value;
  REQUIRE(at + sizeof value <= bytes.size());
  std::memcpy(&value, bytes.data() + at, sizeof value);
  return value;
}

template <class T> void put(std::string& bytes, uint64_t at, const T& value) {
  REQUIRE(at + sizeof value <= bytes.size());
  std::memcpy(bytes.data() + at, &value, sizeof value);
}

Elf64_Ehdr header(const std::string& elf) { return get<Elf64_Ehdr>(elf, 0); }

// Where the header of the first section of `type` is in the file; 0 when there is none.
uint64_t section_header_of(const std::string& elf, uint32_t type) {
  const Elf64_Ehdr eh = header(elf);
  for (uint64_t i = 0; i < eh.e_shnum; ++i)
    if (get<Elf64_Shdr>(elf, eh.e_shoff + i * sizeof(Elf64_Shdr)).sh_type == type) return eh.e_shoff + i * sizeof(Elf64_Shdr);
  return 0;
}

// Where the dynamic segment's entry with tag `tag` is in the file; 0 when there is none.
uint64_t dynamic_entry_of(const std::string& elf, int64_t tag) {
  const Elf64_Ehdr eh = header(elf);
  for (uint64_t i = 0; i < eh.e_phnum; ++i) {
    const auto ph = get<Elf64_Phdr>(elf, eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type != PT_DYNAMIC) continue;
    for (uint64_t at = ph.p_offset; at + sizeof(Elf64_Dyn) <= ph.p_offset + ph.p_filesz; at += sizeof(Elf64_Dyn))
      if (get<Elf64_Dyn>(elf, at).d_tag == tag) return at;
  }
  return 0;
}

// The library with its section headers removed, as `sstrip` leaves it (dlopen does not need them).
std::string without_section_headers(std::string elf) {
  Elf64_Ehdr eh = header(elf);
  eh.e_shoff = 0, eh.e_shnum = 0, eh.e_shstrndx = 0;
  put(elf, 0, eh);
  return elf;
}

}  // namespace

TEST_CASE("damaged or hostile library files in a plugin folder are skipped with a warning, never a crash or a hang") {
  const std::string good = read_bytes(plugin("vptest_good"));
  const Elf64_Ehdr eh = header(good);
  std::map<std::string, std::pair<std::string, std::string>> files;  // name: bytes, what the warning says

  files["a_truncated_header.so"] = {good.substr(0, 40), "it is not an ELF file"};
  Elf64_Ehdr h = eh;
  h.e_shoff = good.size() - 10;
  std::string bytes = good;
  put(bytes, 0, h);
  files["b_sections_past_the_end.so"] = {bytes, "its section header table is damaged"};
  h = eh;
  h.e_shnum = 0xffff;
  bytes = good;
  put(bytes, 0, h);
  files["c_huge_section_count.so"] = {bytes, "its section header table is damaged"};

  const uint64_t dynsym_at = section_header_of(good, SHT_DYNSYM);
  REQUIRE(dynsym_at != 0);
  Elf64_Shdr dynsym = get<Elf64_Shdr>(good, dynsym_at);
  dynsym.sh_link = 9999;
  bytes = good;
  put(bytes, dynsym_at, dynsym);
  files["d_bogus_string_table_link.so"] = {bytes, "its dynamic symbol table is damaged"};

  // The entry point's name made to start past the end of the string table.
  dynsym = get<Elf64_Shdr>(good, dynsym_at);
  const auto dynstr = get<Elf64_Shdr>(good, eh.e_shoff + dynsym.sh_link * sizeof(Elf64_Shdr));
  bytes = good;
  bool renamed = false;
  for (uint64_t at = dynsym.sh_offset; at < dynsym.sh_offset + dynsym.sh_size; at += sizeof(Elf64_Sym)) {
    auto sym = get<Elf64_Sym>(good, at);
    if (std::strcmp(good.c_str() + dynstr.sh_offset + sym.st_name, VIDPIPE_ENTRY_POINT) != 0) continue;
    sym.st_name = static_cast<uint32_t>(dynstr.sh_size + 100);
    put(bytes, at, sym);
    renamed = true;
  }
  REQUIRE(renamed);
  files["e_name_past_the_strings.so"] = {bytes, "it has no 'vidpipe_plugin_v1' entry point"};

  // 65535 sections, each a dynamic symbol table as large as the file: reading each in turn
  // would read the file 65535 times over; one library has one such table.
  bytes = good;
  bytes.resize((bytes.size() + 7) / 8 * 8);
  Elf64_Shdr hostile{};
  hostile.sh_type = SHT_DYNSYM;
  hostile.sh_entsize = sizeof(Elf64_Sym);
  hostile.sh_size = bytes.size() + 0xffff * sizeof(Elf64_Shdr);
  h = eh;
  h.e_shoff = bytes.size(), h.e_shnum = 0xffff;
  for (int i = 0; i < 0xffff; ++i) bytes.append(reinterpret_cast<const char*>(&hostile), sizeof hostile);
  put(bytes, 0, h);
  files["f_every_section_a_symbol_table.so"] = {bytes, "it has no 'vidpipe_plugin_v1' entry point"};

  TempDir tmp;
  fs::permissions(tmp.path, fs::perms(0755));
  for (const auto& [name, file] : files) write_bytes(tmp.path / name, file.first);
  fs::copy_file(plugin("vptest_good"), tmp.path / "z_good.so");
  NodeRegistry reg;
  reg.load_dirs({tmp.path.string()});
  CHECK(reg.find_node("testing.echo") != nullptr);  // the plugin among them still loads
  REQUIRE(reg.warnings().size() == files.size());
  auto warning = reg.warnings().begin();  // in name order
  for (const auto& [name, file] : files) {
    INFO(*warning);
    CHECK(contains(*warning, (tmp.path / name).string() + ": skipped: "));
    CHECK(contains(*warning, file.second));
    ++warning;
  }
}

TEST_CASE("a library without section headers is read through its dynamic segment") {
  TempDir tmp;
  fs::permissions(tmp.path, fs::perms(0755));
  // One library with a GNU hash table, one with a SysV one: each counts the symbols.
  const std::string gnu = read_bytes(plugin("vptest_good")), sysv = read_bytes(plugin("vptest_good_sysv_hash"));
  CHECK(section_header_of(gnu, SHT_GNU_HASH) != 0);
  CHECK(section_header_of(gnu, SHT_HASH) == 0);
  CHECK(section_header_of(sysv, SHT_HASH) != 0);
  CHECK(section_header_of(sysv, SHT_GNU_HASH) == 0);
  for (const auto& [name, elf] : {std::pair{"gnu_hash.so", gnu}, std::pair{"sysv_hash.so", sysv}}) {
    write_bytes(tmp.path / name, without_section_headers(elf));
    NodeRegistry reg;
    CHECK(reg.load((tmp.path / name).string()).name == "testing_good");
    CHECK(reg.find_node("testing.echo") != nullptr);
  }

  // Extended section numbering: e_shnum 0, the count in section 0's sh_size.
  std::string extended = gnu;
  Elf64_Ehdr eh = header(gnu);
  auto first = get<Elf64_Shdr>(gnu, eh.e_shoff);
  first.sh_size = eh.e_shnum;
  eh.e_shnum = 0;
  put(extended, 0, eh);
  put(extended, header(gnu).e_shoff, first);
  write_bytes(tmp.path / "extended.so", extended);
  {
    NodeRegistry reg;
    CHECK(reg.load((tmp.path / "extended.so").string()).name == "testing_good");
  }

  // Without a hash table nothing says how many symbols there are; with a huge count the table
  // is not read: both are skipped, saying why.
  const fs::path folder = tmp.path / "unreadable";
  fs::create_directory(folder);
  fs::permissions(folder, fs::perms(0755));
  std::string no_hash = without_section_headers(gnu);
  const uint64_t gnu_hash_at = dynamic_entry_of(no_hash, DT_GNU_HASH);
  REQUIRE(gnu_hash_at != 0);
  put(no_hash, gnu_hash_at, Elf64_Dyn{DT_DEBUG, {0}});
  write_bytes(folder / "a_no_hash.so", no_hash);
  std::string huge_count = without_section_headers(sysv);
  const uint64_t hash_at = get<Elf64_Shdr>(sysv, section_header_of(sysv, SHT_HASH)).sh_offset;
  put(huge_count, hash_at + 4, uint32_t{0xffffffff});  // nchain: the number of symbols
  write_bytes(folder / "b_huge_count.so", huge_count);
  NodeRegistry reg;
  reg.load_dirs({folder.string()});
  REQUIRE(reg.warnings().size() == 2);
  CHECK(contains(reg.warnings()[0], (folder / "a_no_hash.so").string() +
                                        ": skipped: its dynamic symbol table cannot be read without section headers: it has "
                                        "no DT_HASH or DT_GNU_HASH table"));
  CHECK(contains(reg.warnings()[1], (folder / "b_huge_count.so").string() +
                                        ": skipped: its dynamic symbol table cannot be read: it is larger than 64 MiB"));
  CHECK(reg.plugins().size() == 1);  // just vidpipe.core
}

TEST_CASE("a FIFO named like a plugin is skipped without waiting for a writer") {
  TempDir tmp;
  fs::permissions(tmp.path, fs::perms(0755));
  const fs::path fifo = tmp.path / "x.so";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  // Should the loader block opening it, a writer comes after 10 s (then every second), so that
  // this test fails instead of hanging.
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false, unblocked = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    for (auto wait = std::chrono::seconds(10); !finished.wait_for(lock, wait, [&] { return done; });
         wait = std::chrono::seconds(1)) {
      unblocked = true;
      if (int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK); fd >= 0) ::close(fd);
    }
  });
  NodeRegistry reg;
  reg.load_dirs({tmp.path.string()});
  std::string load_error = error_of([&] { reg.load(fifo.string()); });
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  finished.notify_one();
  watchdog.join();
  CHECK_FALSE(unblocked);
  REQUIRE(reg.warnings().size() == 1);
  CHECK(contains(reg.warnings()[0], fifo.string() + ": skipped: it is not a regular file"));
  CHECK(contains(load_error, fifo.string() + ": it is not a regular file"));
}

TEST_CASE("a symlink to a plugin is checked where it leads") {
  TempDir tmp;
  fs::permissions(tmp.path, fs::perms(0755));
  const fs::path plugins = tmp.path / "plugins", elsewhere = tmp.path / "elsewhere", link = plugins / "link.so";
  fs::create_directory(plugins);
  fs::create_directory(elsewhere);
  fs::permissions(plugins, fs::perms(0755));
  fs::copy_file(plugin("vptest_good"), elsewhere / "good.so");
  fs::create_symlink(elsewhere / "good.so", link);

  fs::permissions(elsewhere, fs::perms(0777));  // anyone could put another good.so there
  {
    NodeRegistry reg;
    for (const std::string& msg : {error_of([&] { reg.load_dirs({plugins.string()}); }),
                                   error_of([&] { reg.load(link.string()); })}) {
      INFO(msg);
      CHECK(contains(msg, elsewhere.string() + ": refusing plugin folder, reached through " + link.string() + ": "));
      CHECK(contains(msg, "every user"));
    }
    CHECK(reg.find_node("testing.echo") == nullptr);
  }
  fs::permissions(elsewhere, fs::perms(0755));
  fs::permissions(elsewhere / "good.so", fs::perms(0757));
  {
    NodeRegistry reg;
    std::string msg = error_of([&] { reg.load_dirs({plugins.string()}); });
    CHECK(contains(msg, (elsewhere / "good.so").string() + ": refusing plugin file, reached through " + link.string()));
  }
  fs::permissions(elsewhere / "good.so", fs::perms(0755));
  {
    NodeRegistry reg;
    reg.load_dirs({plugins.string()});
    REQUIRE(reg.find_node("testing.echo") != nullptr);
    CHECK(reg.find_node("testing.echo")->path == link.string());  // named as it was found
  }
}

TEST_CASE("a plugin that dlopen refuses is named by its path, not by the descriptor it was opened through") {
  NodeRegistry reg;
  std::string msg = error_of([&] { reg.load(plugin("vptest_unresolved")); });
  INFO(msg);
  CHECK(contains(msg, plugin("vptest_unresolved") + ": cannot load plugin: "));
  CHECK(contains(msg, "undefined symbol: vptest_defined_nowhere"));
  CHECK_FALSE(contains(msg, "/proc/self/fd"));
  CHECK(reg.plugins().size() == 1);
}

TEST_CASE("a plugin finds the libraries it brings along through $ORIGIN") {
  REQUIRE(fs::exists(fs::path(plugin("vptest_needs_private")).parent_path() / "private" / "libvptest_private.so"));
  NodeRegistry reg;
  CHECK_NOTHROW(reg.load(plugin("vptest_needs_private")));
  CHECK(reg.plugins().size() == 2);  // vidpipe.core and it
}
