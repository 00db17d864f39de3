#include "device.h"

#if defined(PATCHBAY_WITH_ARAVIS)
#include <dlfcn.h>

#include <mutex>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace patchbay {

const char* codeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::UnknownBackend: return "UNKNOWN_BACKEND";
    case ErrorCode::NoDevice: return "NO_DEVICE";
    case ErrorCode::ParamRefused: return "PARAM_REFUSED";
    case ErrorCode::UnknownFeature: return "UNKNOWN_FEATURE";
    case ErrorCode::CameraLost: return "CAMERA_LOST";
    case ErrorCode::CameraError: return "CAMERA_ERROR";
    case ErrorCode::BadState: return "BAD_STATE";
    case ErrorCode::BadArgument: return "BAD_ARGUMENT";
  }
  return "CAMERA_ERROR";
}

namespace {
// Whole numbers as such (a width of 1920, not 1.92e+03), others with the digits they need.
std::string num(double v) {
  char b[32];
  if (std::fabs(v) < 1e15 && v == std::floor(v)) std::snprintf(b, sizeof b, "%.0f", v);
  else std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}
}  // namespace

std::string FeatureValue::show() const {
  switch (kind) {
    case Kind::Number: return num(number);
    case Kind::Text: return "\"" + text + "\"";
    case Kind::Flag: return flag ? "true" : "false";
  }
  return "";
}

CameraError CameraError::refused(const std::string& param, double value, double min, double max, const std::string& why) {
  std::string text = param + " " + num(value) + " refused by the camera: allowed " + num(min) + " to " + num(max);
  if (!why.empty()) text += " (" + why + ")";
  CameraError e(ErrorCode::ParamRefused, text);
  e.param = param;
  e.value = FeatureValue::of(value);
  e.hasValue = true;
  e.min = min;
  e.max = max;
  e.hasRange = true;
  return e;
}

CameraError unknownFeature(const std::string& name) {
  CameraError e(ErrorCode::UnknownFeature, "the camera has no feature " + name);
  e.param = name;
  return e;
}

void checkFeatureValue(const std::string& name, const FeatureInfo& f, const FeatureValue& v) {
  using Type = FeatureInfo::Type;
  using Kind = FeatureValue::Kind;
  auto refuse = [&](const std::string& why) {
    CameraError e(ErrorCode::ParamRefused, name + " " + v.show() + " refused by the camera: " + why);
    e.param = name;
    e.value = v;
    e.hasValue = true;
    return e;
  };
  if (!f.available) throw refuse("the feature is not available now (another setting turns it off)");
  if (!f.writable) throw refuse(f.readable ? "the feature is read-only now" : "the feature cannot be written");
  switch (f.type) {
    case Type::Integer:
    case Type::Float: {
      const bool integer = f.type == Type::Integer;
      const std::string steps = f.increment > 0 && (integer ? f.increment > 1 : true)
                                    ? " in steps of " + num(f.increment) + " from " + num(f.min)
                                    : "";
      const bool fraction = v.kind == Kind::Number && v.number != std::floor(v.number);
      CameraError e = refuse("allowed " + num(f.min) + " to " + num(f.max) + steps +
                             (integer && fraction ? " (a whole number)" : ""));
      e.min = f.min, e.max = f.max, e.hasRange = true;
      if (f.increment > 0) e.increment = f.increment, e.hasIncrement = true;
      if (v.kind != Kind::Number || !std::isfinite(v.number) || v.number < f.min || v.number > f.max) throw e;
      if (integer && v.number != std::floor(v.number)) throw e;
      if (integer && f.increment > 1 && std::fmod(v.number - f.min, f.increment) != 0) throw e;
      return;
    }
    case Type::Enumeration: {
      CameraError e = refuse("the camera offers " + joinNames(f.entries));
      e.allowed = f.entries;
      if (v.kind != Kind::Text) throw e;
      for (const auto& entry : f.entries)
        if (entry == v.text) return;
      throw e;
    }
    case Type::Boolean:
      if (v.kind != Kind::Flag) throw refuse("true or false");
      return;
    case Type::String:
      if (v.kind == Kind::Flag) throw refuse("a text");
      return;
    case Type::Command:
      if (v.kind != Kind::Flag || !v.flag) throw refuse("a command: true runs it");
      return;
  }
}

FeatureValue Device::getFeature(const std::string& name) {
  FeatureInfo f = describeFeature(name);
  if (f.type == FeatureInfo::Type::Command || !f.readable || !f.available) {
    CameraError e(ErrorCode::ParamRefused, name + " cannot be read" +
                                               (f.type == FeatureInfo::Type::Command ? " (a command)" : " now"));
    e.param = name;
    throw e;
  }
  return readFeature(name, f);
}

void Device::setFeature(const std::string& name, const FeatureValue& value) {
  FeatureInfo f = describeFeature(name);
  checkFeatureValue(name, f, value);
  // A number for a String feature (DeviceUserID: 7) is written as its text.
  if (f.type == FeatureInfo::Type::String && value.kind == FeatureValue::Kind::Number)
    return writeFeature(name, f, FeatureValue::of(num(value.number)));
  writeFeature(name, f, value);
}

void Device::loadFeatureFile(const std::string& path) {
  CameraError e(ErrorCode::BadArgument, "featureFile " + path +
                                            ": only the pylon backend reads pylon's .pfs files; give this backend a "
                                            "YAML map of feature names to values (.yaml)");
  e.param = "featureFile";
  throw e;
}

#if defined(PATCHBAY_WITH_ARAVIS)
namespace {

// The aravis backend lives in patchbay_aravis.node beside this addon, loaded the first time it
// is asked for: Aravis and what it links (GLib, GIO, libxml2, ICU: about 3 MB of RSS) stay out
// of every process that records from the emulator or pylon.
const Backend& aravisLoaded() {
  static std::mutex lock;
  static std::unique_ptr<Backend> loaded;
  std::lock_guard<std::mutex> guard(lock);
  if (loaded) return *loaded;
  Dl_info self{};
  if (!dladdr(reinterpret_cast<const void*>(&aravisLoaded), &self) || !self.dli_fname)
    throw CameraError(ErrorCode::UnknownBackend, "camera backend \"aravis\": cannot tell where the camera addon is");
  std::string path(self.dli_fname);
  path = path.substr(0, path.rfind('/') + 1) + "patchbay_aravis.node";
  void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!module)
    throw CameraError(ErrorCode::UnknownBackend, std::string("camera backend \"aravis\" did not load: ") + dlerror());
  auto make = reinterpret_cast<void (*)(Backend*)>(dlsym(module, "patchbay_aravis_backend"));
  if (!make) throw CameraError(ErrorCode::UnknownBackend, path + " is not the aravis backend");
  loaded = std::make_unique<Backend>();
  make(loaded.get());
  return *loaded;
}

std::vector<DeviceInfo> listAravisLoaded() { return aravisLoaded().list(); }

std::unique_ptr<Device> openAravisLoaded(const std::string& idOrSerial, const Options& options) {
  return aravisLoaded().open(idOrSerial, options);
}

}  // namespace
#endif

#if !defined(PATCHBAY_ARAVIS_MODULE)
const std::vector<Backend>& builtBackends() {
  static const std::vector<Backend> backends = [] {
    std::vector<Backend> v{makeEmulatorBackend()};
#ifdef PATCHBAY_WITH_ARAVIS
    v.push_back({"aravis", listAravisLoaded, openAravisLoaded});
#endif
#ifdef PATCHBAY_WITH_PYLON
    v.push_back(makePylonBackend());
#endif
    return v;
  }();
  return backends;
}
#endif

uint64_t hostNowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

uint64_t ticksToNs(uint64_t ticks, uint64_t hz) {
  if (hz == 0 || hz == 1000000000) return ticks;
  return ticks / hz * 1000000000 + (ticks % hz) * 1000000000 / hz;
}

uint64_t frameIdGap(uint64_t last, uint64_t id, bool sixteenBit) {
  constexpr uint64_t kAbsurd = 1 << 20;
  if (sixteenBit) {
    if (id == 0 || last == 0 || id > 65535 || last > 65535) return 0;
    const uint64_t step = (id + 65535 - last) % 65535;
    // More than half the id space ahead is a counter that went back.
    return step == 0 || step > 32767 ? 0 : step - 1;
  }
  return id > last && id - last <= kAbsurd ? id - last - 1 : 0;
}

uint64_t FrameLoss::arrived(uint64_t id) {
  const uint64_t lost = known_ ? std::max(frameIdGap(last_, id, sixteenBit_), failed_) - failed_ : 0;
  known_ = true, last_ = id, failed_ = 0;
  return lost;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); i++) out += (i ? ", " : "") + names[i];
  return out;
}

std::string noDeviceText(const char* backend, const std::string& wanted, const std::vector<DeviceInfo>& found) {
  std::vector<std::string> ids;
  for (const auto& d : found) ids.push_back(d.serial.empty() ? d.id : d.id + " (serial " + d.serial + ")");
  std::string text = wanted.empty() ? std::string("no ") + backend + " camera found"
                                    : std::string("no ") + backend + " camera with id or serial \"" + wanted + "\"";
  text += found.empty() ? "; none is connected (check cabling, power and permissions)" : "; found: " + joinNames(ids);
  return text;
}

}  // namespace patchbay
