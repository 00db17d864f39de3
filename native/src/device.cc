#include "device.h"

#include <chrono>
#include <sstream>

namespace patchbay {

const char* codeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::UnknownBackend: return "UNKNOWN_BACKEND";
    case ErrorCode::NoDevice: return "NO_DEVICE";
    case ErrorCode::ParamRefused: return "PARAM_REFUSED";
    case ErrorCode::CameraLost: return "CAMERA_LOST";
    case ErrorCode::CameraError: return "CAMERA_ERROR";
    case ErrorCode::BadState: return "BAD_STATE";
    case ErrorCode::BadArgument: return "BAD_ARGUMENT";
  }
  return "CAMERA_ERROR";
}

CameraError CameraError::refused(const std::string& param, double value, double min, double max, const std::string& why) {
  std::ostringstream text;
  text << param << " " << value << " refused by the camera: allowed " << min << " to " << max;
  if (!why.empty()) text << " (" << why << ")";
  CameraError e(ErrorCode::ParamRefused, text.str());
  e.param = param;
  e.value = value;
  e.hasValue = true;
  e.min = min;
  e.max = max;
  e.hasRange = true;
  return e;
}

const std::vector<Backend>& builtBackends() {
  static const std::vector<Backend> backends = [] {
    std::vector<Backend> v{makeEmulatorBackend()};
#ifdef PATCHBAY_WITH_ARAVIS
    v.push_back(makeAravisBackend());
#endif
#ifdef PATCHBAY_WITH_PYLON
    v.push_back(makePylonBackend());
#endif
    return v;
  }();
  return backends;
}

uint64_t hostNowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
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
