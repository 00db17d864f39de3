/**
 * GenICam::GenericException does not derive from std::exception. The grab thread (acquisition.cc)
 * built with pylon must turn one thrown by a driver call into CAMERA_ERROR rather than let it
 * abort the process. This machine has no pylon: the test builds acquisition.cc with
 * PATCHBAY_WITH_PYLON against a stand-in GenICam header and a device whose grab throws.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandWorks, missing } from '../helpers/env.ts';
import { buildCoreProgram } from './core-program.ts';

const noCompiler = missing('a C++ compiler (c++)', () => commandWorks('c++'));
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Like GenICam's: a class of its own with GetDescription(), no std::exception base.
const GC_EXCEPTION = `#pragma once
#include <string>
namespace GenICam {
class GenericException {
 public:
  explicit GenericException(const char* text) : text_(text) {}
  const char* GetDescription() const { return text_.c_str(); }
 private:
  std::string text_;
};
}  // namespace GenICam
`;

const MAIN = `#include <chrono>
#include <cstdio>
#include <thread>
#include <Base/GCException.h>
#include "acquisition.h"
using namespace patchbay;

// device.cc lists the pylon backend when PATCHBAY_WITH_PYLON is set; this program never opens it.
Backend patchbay::makePylonBackend() { return {"pylon", nullptr, nullptr}; }

// Every call succeeds but the grab, which throws what a pylon node map throws.
struct Throwing final : Device {
  DeviceInfo info() override { return {"pylon", "stand-in", "", "", "", ""}; }
  double get(const std::string&) override { return 4; }
  void set(const std::string&, double) override {}
  Range range(const std::string&) override { return {0, 4}; }
  PixelFormat pixelFormat() override { return PixelFormat::Mono8; }
  void setPixelFormat(PixelFormat) override {}
  void startAcquisition() override {}
  void stopAcquisition() override {}
  GrabStatus grab(uint8_t*, size_t, GrabInfo&, int, std::string&) override {
    throw GenICam::GenericException("Node not existing (file 'NodeMapRef.h', line 287)");
  }
};

int main() {
  Throwing device;
  Acquisition acq(device, Delivery::Owned, 2, 16, nullptr, [] {});
  acq.start();
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until) {
    ReadyFrame f;
    ErrorCode code;
    std::string error;
    Acquisition::Take t = acq.take(f, code, error);
    if (t == Acquisition::Take::Failed) {
      std::printf("%s %s\\n", codeName(code), error.c_str());
      return 0;
    }
    if (t != Acquisition::Take::Empty) return 3;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return 2;
}
`;

describe.skipIf(noCompiler)('a GenICam exception on the grab thread', () => {
  it('ends acquisition with CAMERA_ERROR and its description instead of aborting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-genicam-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'include/Base'), { recursive: true });
    mkdirSync(join(dir, 'include/pylon'), { recursive: true });
    writeFileSync(join(dir, 'include/Base/GCException.h'), GC_EXCEPTION);
    writeFileSync(join(dir, 'include/pylon/Platform.h'), '#pragma once\n');
    const { program, stderr } = buildCoreProgram(dir, MAIN, ['-DPATCHBAY_WITH_PYLON', `-I${join(dir, 'include')}`]);
    expect(stderr).toBe('');
    const r = spawnSync(program, { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^CAMERA_ERROR .*Node not existing/);
  });
});
