// Pixel formats as cameras send them (GenICam PFNC names) and as frames leave the addon:
// Mono8 and Bayer raw as uint8 (H, W); Mono10/12/16 and the packed Mono10p/Mono12p as
// uint16 (H, W); RGB8, BGR8 and debayered Bayer as uint8 (H, W, 3). Every backend turns
// what its driver hands over into a frame with convertFrame(), so packed buffers from a
// real camera are unpacked by the same code the emulator's are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace patchbay {

enum class PixelFormat { Mono8, Mono10, Mono12, Mono10p, Mono12p, Mono16, BayerRG8, BayerGR8, BayerGB8, BayerBG8, RGB8, BGR8 };

const char* pixelFormatName(PixelFormat f);
// Throws CameraError ParamRefused, listing the formats patchbay knows, for any other name.
PixelFormat parsePixelFormat(const std::string& name);
const std::vector<std::string>& pixelFormatNames();

// Significant bits per sample: 8, 10, 12 or 16.
int pixelBits(PixelFormat f);
bool isBayer(PixelFormat f);
bool isPacked(PixelFormat f);
// The colour of the pixel at (0,0), (0,1), (1,0), (1,1) of a Bayer format: "RGGB", "GRBG", "GBRG" or "BGGR".
const char* bayerPattern(PixelFormat f);

// One frame: what the camera sends and what the consumer gets.
struct FrameLayout {
  PixelFormat format = PixelFormat::Mono8;
  int width = 0, height = 0;
  // Bayer formats only: give RGB (H, W, 3) instead of the raw mosaic.
  bool debayer = false;

  int channels() const;
  // Bytes per sample of the frame given to the consumer: 1 (uint8) or 2 (uint16).
  int sampleBytes() const;
  size_t frameBytes() const;
  // Bytes the camera sends: PFNC packs Mono10p/Mono12p continuously, lines unpadded.
  size_t wireBytes() const;
  // True when the camera's bytes are the frame's bytes.
  bool identity() const { return !isPacked(format) && !(debayer && isBayer(format)); }
};

// Mono10p: 4 pixels in 5 bytes; Mono12p: 2 pixels in 3 bytes; both LSB-first (pixel i is bits
// i*n .. i*n+n-1 of the little-endian bit stream). src holds at least ceil(count*n/8) bytes.
void unpackMono10p(const uint8_t* src, size_t count, uint16_t* dst);
void unpackMono12p(const uint8_t* src, size_t count, uint16_t* dst);
// The inverse, for the emulator: values are masked to their bits.
void packMono10p(const uint16_t* src, size_t count, uint8_t* dst);
void packMono12p(const uint16_t* src, size_t count, uint8_t* dst);
// Bilinear demosaic of a width x height mosaic into RGB, edges mirrored.
void debayerBilinear(const uint8_t* src, int width, int height, const char* pattern, uint8_t* dst);

// Writes layout.frameBytes() into dst from the layout.wireBytes() bytes the camera sent at src.
void convertFrame(const FrameLayout& layout, const uint8_t* src, uint8_t* dst);

}  // namespace patchbay
