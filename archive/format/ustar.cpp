#include "archive/format/ustar.h"

#include <cstring>

namespace chainmail {
namespace {

constexpr uint64_t kMaxFileSize = (1ull << 33) - 1;  // 11 octal digits

// Header field offsets and lengths (POSIX.1-1988 ustar).
struct Field {
  size_t off, len;
};
constexpr Field kName{0, 100}, kMode{100, 8}, kUid{108, 8}, kGid{116, 8}, kSize{124, 12},
    kMtime{136, 12}, kChksum{148, 8}, kType{156, 1}, kMagic{257, 6}, kVersion{263, 2};

// Bundle paths are printable ASCII: a name is echoed in reports, where a control byte
// could rewrite the reader's terminal.
bool ValidPath(std::string_view path) {
  if (path.empty() || path.size() > kUstarMaxPath || path.front() == '/') return false;
  for (char c : path)
    if (c < 0x20 || c > 0x7e) return false;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view part = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part.empty() || part == "." || part == ".." || part.find('\0') != std::string_view::npos) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

// `value` as zero-padded octal filling the field but its last byte, which is NUL.
void PutOctal(char* header, Field f, uint64_t value) {
  for (size_t i = f.len - 1; i-- > 0; value >>= 3) header[f.off + i] = static_cast<char>('0' + (value & 7));
  header[f.off + f.len - 1] = '\0';
}

uint32_t Checksum(const char* header) {
  uint32_t sum = 0;
  for (size_t i = 0; i < kUstarBlock; ++i)
    sum += (i >= kChksum.off && i < kChksum.off + kChksum.len) ? ' ' : static_cast<unsigned char>(header[i]);
  return sum;
}

void Header(const std::string& path, uint64_t size, char* h) {
  std::memset(h, 0, kUstarBlock);
  std::memcpy(h + kName.off, path.data(), path.size());
  PutOctal(h, kMode, 0644);
  PutOctal(h, kUid, 0);
  PutOctal(h, kGid, 0);
  PutOctal(h, kSize, size);
  PutOctal(h, kMtime, 0);
  h[kType.off] = '0';
  std::memcpy(h + kMagic.off, "ustar", 6);  // with its NUL
  std::memcpy(h + kVersion.off, "00", 2);
  // Six octal digits, NUL, space: the customary form.
  const uint32_t sum = Checksum(h);
  PutOctal(h, Field{kChksum.off, 7}, sum);
  h[kChksum.off + 7] = ' ';
}

// `name` quoted for a message, each byte outside printable ASCII (and ' and \) as \xHH:
// a name field read from a bundle can hold any bytes.
std::string Quoted(std::string_view name) { return "'" + EscapeNonPrintable(name, "'") + "'"; }

bool AllZero(std::string_view s) { return s.find_first_not_of('\0') == std::string_view::npos; }

}  // namespace

Result<Bytes> WriteUstar(const TarFiles& files) {
  Bytes out;
  for (const auto& [path, data] : files) {
    if (!ValidPath(path)) return Status::InvalidArgument("not a bundle path: " + Quoted(path));
    if (data.size() > kMaxFileSize) return Status::InvalidArgument(Quoted(path) + " is too large for ustar");
    char h[kUstarBlock];
    Header(path, data.size(), h);
    out.append(h, kUstarBlock);
    out += data;
    out.append((kUstarBlock - data.size() % kUstarBlock) % kUstarBlock, '\0');
  }
  out.append(2 * kUstarBlock, '\0');
  return out;
}

Result<TarFiles> ReadUstar(std::string_view tar) {
  TarFiles files;
  size_t off = 0;
  while (true) {
    if (tar.size() - off < kUstarBlock) return Status::Corruption("tar: truncated (no end-of-archive blocks)");
    std::string_view block = tar.substr(off, kUstarBlock);
    if (AllZero(block)) {
      if (tar.size() - off != 2 * kUstarBlock || !AllZero(tar.substr(off)))
        return Status::Corruption("tar: the archive must end with exactly two zero blocks");
      return files;
    }
    const std::string_view name_field = block.substr(kName.off, kName.len);
    const std::string path(name_field.substr(0, name_field.find('\0')));
    char expect[kUstarBlock];
    uint64_t size = 0;
    const std::string_view size_field = block.substr(kSize.off, kSize.len - 1);
    if (size_field.find_first_not_of("01234567") != std::string_view::npos)
      return Status::Corruption("tar: bad size field for " + Quoted(path));
    for (char c : size_field) size = size * 8 + static_cast<uint64_t>(c - '0');
    if (!ValidPath(path)) return Status::Corruption("tar: not a bundle path: " + Quoted(path));
    Header(path, size, expect);
    if (std::memcmp(expect, block.data(), kUstarBlock) != 0)
      return Status::Corruption("tar: header of " + Quoted(path) + " is not canonical (checksum, type, mode, owner, time or padding)");
    if (!files.empty() && files.rbegin()->first >= path)
      return Status::Corruption("tar: " + Quoted(path) + " is out of order or duplicated");
    off += kUstarBlock;
    const uint64_t padded = (size + kUstarBlock - 1) / kUstarBlock * kUstarBlock;
    if (tar.size() - off < padded) return Status::Corruption("tar: " + Quoted(path) + " is truncated");
    if (!AllZero(tar.substr(off + size, padded - size)))
      return Status::Corruption("tar: non-zero padding after " + Quoted(path));
    files.emplace(path, Bytes(tar.substr(off, size)));
    off += padded;
  }
}

}  // namespace chainmail
