#include "pixel-format.h"

#include <cstring>

#include "device.h"

namespace patchbay {

namespace {
struct FormatInfo {
  PixelFormat format;
  const char* name;
  int bits;
  const char* bayer;  // null for non-Bayer formats
};

const FormatInfo kFormats[] = {
    {PixelFormat::Mono8, "Mono8", 8, nullptr},         {PixelFormat::Mono10, "Mono10", 10, nullptr},
    {PixelFormat::Mono12, "Mono12", 12, nullptr},      {PixelFormat::Mono10p, "Mono10p", 10, nullptr},
    {PixelFormat::Mono12p, "Mono12p", 12, nullptr},    {PixelFormat::Mono16, "Mono16", 16, nullptr},
    {PixelFormat::BayerRG8, "BayerRG8", 8, "RGGB"},    {PixelFormat::BayerGR8, "BayerGR8", 8, "GRBG"},
    {PixelFormat::BayerGB8, "BayerGB8", 8, "GBRG"},    {PixelFormat::BayerBG8, "BayerBG8", 8, "BGGR"},
    {PixelFormat::RGB8, "RGB8", 8, nullptr},           {PixelFormat::BGR8, "BGR8", 8, nullptr},
};

const FormatInfo& infoOf(PixelFormat f) { return kFormats[static_cast<int>(f)]; }
}  // namespace

const char* pixelFormatName(PixelFormat f) { return infoOf(f).name; }
int pixelBits(PixelFormat f) { return infoOf(f).bits; }
bool isBayer(PixelFormat f) { return infoOf(f).bayer != nullptr; }
bool isPacked(PixelFormat f) { return f == PixelFormat::Mono10p || f == PixelFormat::Mono12p; }
const char* bayerPattern(PixelFormat f) { return infoOf(f).bayer ? infoOf(f).bayer : ""; }

const std::vector<std::string>& pixelFormatNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& f : kFormats) v.push_back(f.name);
    return v;
  }();
  return names;
}

PixelFormat parsePixelFormat(const std::string& name) {
  for (const auto& f : kFormats)
    if (name == f.name) return f.format;
  CameraError e(ErrorCode::ParamRefused, "pixelFormat " + name + " is not supported: allowed " + joinNames(pixelFormatNames()));
  e.param = "pixelFormat";
  e.allowed = pixelFormatNames();
  throw e;
}

int FrameLayout::channels() const {
  return format == PixelFormat::RGB8 || format == PixelFormat::BGR8 || (debayer && isBayer(format)) ? 3 : 1;
}

int FrameLayout::sampleBytes() const { return pixelBits(format) > 8 ? 2 : 1; }

size_t FrameLayout::frameBytes() const {
  return static_cast<size_t>(width) * static_cast<size_t>(height) * static_cast<size_t>(channels() * sampleBytes());
}

size_t FrameLayout::wireBytes() const {
  const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  if (isPacked(format)) return (pixels * static_cast<size_t>(pixelBits(format)) + 7) / 8;
  if (isBayer(format)) return pixels;
  return frameBytes();
}

void unpackMono10p(const uint8_t* s, size_t count, uint16_t* d) {
  size_t i = 0;
  for (; i + 4 <= count; i += 4, s += 5) {
    d[i] = static_cast<uint16_t>(s[0] | (s[1] & 0x03) << 8);
    d[i + 1] = static_cast<uint16_t>(s[1] >> 2 | (s[2] & 0x0F) << 6);
    d[i + 2] = static_cast<uint16_t>(s[2] >> 4 | (s[3] & 0x3F) << 4);
    d[i + 3] = static_cast<uint16_t>(s[3] >> 6 | s[4] << 2);
  }
  // The last 1-3 pixels: a 10-bit value spans two bytes wherever it starts, and the
  // ceil(count*10/8) bytes of the frame always hold both.
  for (size_t k = 0; i < count; i++, k++) {
    const size_t bit = k * 10;
    const uint32_t v = s[bit / 8] | static_cast<uint32_t>(s[bit / 8 + 1]) << 8;
    d[i] = static_cast<uint16_t>((v >> (bit % 8)) & 0x3FF);
  }
}

void unpackMono12p(const uint8_t* s, size_t count, uint16_t* d) {
  size_t i = 0;
  for (; i + 2 <= count; i += 2, s += 3) {
    d[i] = static_cast<uint16_t>(s[0] | (s[1] & 0x0F) << 8);
    d[i + 1] = static_cast<uint16_t>(s[1] >> 4 | s[2] << 4);
  }
  if (i < count) d[i] = static_cast<uint16_t>(s[0] | (s[1] & 0x0F) << 8);
}

namespace {
// Pixel i at bits i*bits .. i*bits+bits-1 of a little-endian bit stream; with 10 or 12 bits a
// value starts at bit 0, 2, 4 or 6 of a byte and so spans exactly two bytes.
void packLsbFirst(const uint16_t* src, size_t count, int bits, uint8_t* dst) {
  std::memset(dst, 0, (count * static_cast<size_t>(bits) + 7) / 8);
  const uint32_t mask = (1u << bits) - 1;
  for (size_t i = 0; i < count; i++) {
    const size_t bit = i * static_cast<size_t>(bits);
    const uint32_t v = (src[i] & mask) << (bit % 8);
    dst[bit / 8] |= static_cast<uint8_t>(v);
    dst[bit / 8 + 1] |= static_cast<uint8_t>(v >> 8);
  }
}
}  // namespace

void packMono10p(const uint16_t* src, size_t count, uint8_t* dst) { packLsbFirst(src, count, 10, dst); }
void packMono12p(const uint16_t* src, size_t count, uint8_t* dst) { packLsbFirst(src, count, 12, dst); }

void debayerBilinear(const uint8_t* src, int w, int h, const char* pattern, uint8_t* dst) {
  // Mirroring keeps a neighbour's parity, so it has the colour the pattern says.
  auto mirror = [](int i, int n) { return n == 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i; };
  // colour (0 R, 1 G, 2 B) at row parity py, column parity px
  int colour[2][2];
  for (int k = 0; k < 4; k++) colour[k / 2][k % 2] = pattern[k] == 'R' ? 0 : pattern[k] == 'G' ? 1 : 2;
  for (int y = 0; y < h; y++) {
    const uint8_t* up = src + static_cast<size_t>(mirror(y - 1, h)) * w;
    const uint8_t* row = src + static_cast<size_t>(y) * w;
    const uint8_t* down = src + static_cast<size_t>(mirror(y + 1, h)) * w;
    uint8_t* out = dst + static_cast<size_t>(y) * w * 3;
    for (int x = 0; x < w; x++) {
      const int l = x == 0 ? mirror(-1, w) : x - 1, r = x == w - 1 ? mirror(w, w) : x + 1;
      const int c = colour[y & 1][x & 1];
      const int cross = (up[x] + down[x] + row[l] + row[r] + 2) / 4;
      const int diag = (up[l] + up[r] + down[l] + down[r] + 2) / 4;
      const int horiz = (row[l] + row[r] + 1) / 2, vert = (up[x] + down[x] + 1) / 2;
      uint8_t* p = out + 3 * x;
      p[c] = row[x];
      if (c == 1) {
        // A green pixel: the colour beside it in its row, the other above and below.
        const int rowColour = colour[y & 1][(x + 1) & 1];
        p[rowColour] = static_cast<uint8_t>(horiz);
        p[2 - rowColour] = static_cast<uint8_t>(vert);
      } else {
        p[1] = static_cast<uint8_t>(cross);
        p[2 - c] = static_cast<uint8_t>(diag);
      }
    }
  }
}

void convertFrame(const FrameLayout& layout, const uint8_t* src, uint8_t* dst) {
  const size_t pixels = static_cast<size_t>(layout.width) * static_cast<size_t>(layout.height);
  if (layout.format == PixelFormat::Mono10p) unpackMono10p(src, pixels, reinterpret_cast<uint16_t*>(dst));
  else if (layout.format == PixelFormat::Mono12p) unpackMono12p(src, pixels, reinterpret_cast<uint16_t*>(dst));
  else if (layout.debayer && isBayer(layout.format)) debayerBilinear(src, layout.width, layout.height, bayerPattern(layout.format), dst);
  else std::memcpy(dst, src, layout.frameBytes());
}

}  // namespace patchbay
