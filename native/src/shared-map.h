#pragma once
#include <napi.h>

namespace patchbay {
Napi::Value mapFile(const Napi::CallbackInfo& cb);
}
