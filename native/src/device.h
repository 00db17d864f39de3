// One interface for every camera driver: the grab thread (acquisition.cc) and the
// JavaScript binding (addon.cc) see only this, never a backend's own types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pixel-format.h"

namespace patchbay {

// The closed set of error codes; native/native.ts mirrors it.
enum class ErrorCode {
  UnknownBackend,
  NoDevice,
  ParamRefused,
  UnknownFeature,
  CameraLost,
  CameraError,
  BadState,
  BadArgument
};

const char* codeName(ErrorCode code);

// A GenICam feature's value as a graph gives it: a number, a text (enumeration entries too) or a flag.
struct FeatureValue {
  enum class Kind { Number, Text, Flag } kind = Kind::Number;
  double number = 0;
  std::string text;
  bool flag = false;

  static FeatureValue of(double v) { return {Kind::Number, v, "", false}; }
  static FeatureValue of(const std::string& v) { return {Kind::Text, 0, v, false}; }
  static FeatureValue flagOf(bool v) { return {Kind::Flag, 0, "", v}; }
  // As a message shows it: numbers plain, texts quoted.
  std::string show() const;
};

// A native error with a code, the human text and, for a refused param, what was asked and allowed.
struct CameraError : std::runtime_error {
  ErrorCode code;
  std::string param;
  FeatureValue value;
  double min = 0, max = 0, increment = 0;
  bool hasValue = false, hasRange = false, hasIncrement = false;
  std::vector<std::string> allowed;

  CameraError(ErrorCode c, const std::string& text) : std::runtime_error(text), code(c) {}

  static CameraError refused(const std::string& param, double value, double min, double max, const std::string& why);
};

// What a camera says about one of its features now.
struct FeatureInfo {
  enum class Type { Integer, Float, Enumeration, Boolean, String, Command } type = Type::Integer;
  bool available = true, readable = true, writable = true;
  double min = 0, max = 0, increment = 0;  // Integer and Float; increment 0: none
  std::vector<std::string> entries;        // Enumeration: the entries settable now
};

// Throws PARAM_REFUSED, saying what the camera allows, when `value` does not fit `f`.
void checkFeatureValue(const std::string& name, const FeatureInfo& f, const FeatureValue& value);
CameraError unknownFeature(const std::string& name);

struct DeviceInfo {
  std::string backend, id, serial, vendor, model, transport;
};

struct Range {
  double min, max;
  // Integer settings with a step (a sensor's width in 4s, 8s, 16s...): they take min + k * increment; 0 or 1: any.
  double increment = 0;
};

// What the driver tells about one frame besides its pixels.
struct GrabInfo {
  uint64_t frameId = 0;    // the camera's own counter (may wrap: GigE Vision ids are 16-bit)
  uint64_t cameraTs = 0;   // the camera's clock, converted to ns with its tick frequency
  uint64_t hostNs = 0;     // host time at arrival, ns since the Unix epoch
  // Frames lost on the way from the camera (incomplete, never received, skipped), counted with this
  // grab whatever its status: a Timeout may carry the incomplete frame it threw away.
  uint64_t cameraDrops = 0;
};

enum class GrabStatus { Ok, Timeout, Lost };

// Numeric settings by name: width, height, offsetX, offsetY, fps, exposureUs, gain.
class Device {
 public:
  virtual ~Device() = default;
  virtual DeviceInfo info() = 0;
  virtual double get(const std::string& name) = 0;
  virtual void set(const std::string& name, double value) = 0;
  virtual Range range(const std::string& name) = 0;
  virtual PixelFormat pixelFormat() = 0;
  virtual void setPixelFormat(PixelFormat format) = 0;
  virtual void startAcquisition() = 0;
  virtual void stopAcquisition() = 0;
  // Grab thread only: waits at most timeoutMs for the next frame and writes exactly
  // frameBytes (output().frameBytes()) into dst, converted with convertFrame(output(), ...);
  // dst null takes the frame and throws it away (a drop).
  virtual GrabStatus grab(uint8_t* dst, size_t frameBytes, GrabInfo& info, int timeoutMs, std::string& why) = 0;
  // The frames to make from the camera's: set before startAcquisition, read by grab.
  void setOutput(const FrameLayout& layout) { output_ = layout; }
  const FrameLayout& output() const { return output_; }
  // How fast the camera's timestamp counter ticks (GevTimestampTickFrequency), Hz; GrabInfo::cameraTs is in ns already.
  virtual uint64_t timestampTickHz() { return 1000000000; }
  // True when the device makes a frame only when asked (the emulator at fps 0): then the
  // grab thread waits for a free buffer instead of grabbing into none (a drop).
  virtual bool waitsForRoom() { return false; }

  // GenICam features by name (the Camera node's `features:`). A backend lists its features and
  // describes, reads and writes one; what a value must satisfy is checked here, once for all.
  virtual std::vector<std::string> featureNames() { return {}; }
  // Throws UnknownFeature when the camera has no feature of that name.
  virtual FeatureInfo describeFeature(const std::string& name) { throw unknownFeature(name); }
  virtual FeatureValue readFeature(const std::string& name, const FeatureInfo&) { throw unknownFeature(name); }
  virtual void writeFeature(const std::string& name, const FeatureInfo&, const FeatureValue&) { throw unknownFeature(name); }
  FeatureValue getFeature(const std::string& name);
  void setFeature(const std::string& name, const FeatureValue& value);
  // A file of the driver's own format (pylon: .pfs); the others apply a YAML map feature by feature.
  virtual void loadFeatureFile(const std::string& path);

 private:
  FrameLayout output_;
};

// Backend-specific open options (emulator: seed, particles, failAfterFrames).
using Options = std::map<std::string, double>;

struct Backend {
  const char* name;
  std::vector<DeviceInfo> (*list)();
  // idOrSerial empty opens the first device found; throws NoDevice listing those found.
  std::unique_ptr<Device> (*open)(const std::string& idOrSerial, const Options& options);
};

// The backends compiled into this build, emulator first.
const std::vector<Backend>& builtBackends();

Backend makeEmulatorBackend();
#if defined(PATCHBAY_WITH_ARAVIS) || defined(PATCHBAY_ARAVIS_MODULE)
Backend makeAravisBackend();
#endif
#ifdef PATCHBAY_WITH_PYLON
Backend makePylonBackend();
#endif

uint64_t hostNowNs();

// A camera's timestamp in ticks of `hz` as ns, exact for any tick count (ticks * 1e9 would overflow).
uint64_t ticksToNs(uint64_t ticks, uint64_t hz);

// Frames the camera numbered between `last` and `id` that never arrived. GigE Vision's 16-bit
// ids run 1..65535 and wrap to 1 (0 is not an id); other ids count up. An id that goes back (a
// counter reset at a new start) or jumps absurdly far is no loss.
uint64_t frameIdGap(uint64_t last, uint64_t id, bool sixteenBit);

// Counts what a camera's driver lost from its frame ids: between two frames that arrived, the
// ids skipped, of which those that arrived incomplete were counted when they came, and only then.
class FrameLoss {
 public:
  explicit FrameLoss(bool sixteenBit = false) : sixteenBit_(sixteenBit) {}
  // A frame that arrived incomplete (its id may not be trustworthy): 1, to count now.
  uint64_t failed() { return ++failed_, 1; }
  // A frame that arrived whole: the frames lost since the last whole one not yet counted.
  uint64_t arrived(uint64_t id);
  // The count restarts with acquisition.
  void reset() { known_ = false, failed_ = 0; }

 private:
  bool sixteenBit_;
  bool known_ = false;
  uint64_t last_ = 0, failed_ = 0;
};

// "a, b, c" for error texts.
std::string joinNames(const std::vector<std::string>& names);
std::string noDeviceText(const char* backend, const std::string& wanted, const std::vector<DeviceInfo>& found);

}  // namespace patchbay
