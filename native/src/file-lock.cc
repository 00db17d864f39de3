// flock(2) for JavaScript, which has none: HDF5 (and so h5py) locks the files it opens
// with flock, so a recorder that wants h5py to see its claim on a file must use it too.
#include <napi.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "file-lock.h"

namespace patchbay {

// fileLock(fd, 'exclusive' | 'shared' | 'unlock') -> true, or false when another open
// file holds a conflicting lock. Never waits: a recorder reports who holds the file
// rather than hanging until they let go.
Napi::Value fileLock(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  if (cb.Length() < 2 || !cb[0].IsNumber() || !cb[1].IsString())
    throw Napi::TypeError::New(env, "fileLock(fd, 'exclusive' | 'shared' | 'unlock')");
  int fd = cb[0].As<Napi::Number>().Int32Value();
  std::string mode = cb[1].As<Napi::String>();
  int op;
  if (mode == "exclusive") op = LOCK_EX | LOCK_NB;
  else if (mode == "shared") op = LOCK_SH | LOCK_NB;
  else if (mode == "unlock") op = LOCK_UN;
  else throw Napi::TypeError::New(env, "fileLock: mode must be 'exclusive', 'shared' or 'unlock', received '" + mode + "'");
  int r;
  do r = flock(fd, op);
  while (r != 0 && errno == EINTR);
  if (r == 0) return Napi::Boolean::New(env, true);
  if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
  int err = errno;
  Napi::Error e = Napi::Error::New(env, std::string("flock: ") + std::strerror(err));
  e.Value().Set("code", err == EBADF ? "EBADF" : err == ENOLCK ? "ENOLCK" : err == EINVAL ? "EINVAL" : "EIO");
  throw e;
}

}  // namespace patchbay
