#pragma once
// Runs a function on a thread with a small stack (256 KiB): code that recurses once per level of
// a deep tree overflows it and crashes the test, where the default 8 MiB might hide it.

#include <pthread.h>

#include <functional>

namespace arbor::testing {

inline void RunOnSmallStack(std::function<void()> f, size_t stack_bytes = 256 << 10) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_bytes);
  pthread_t t;
  auto body = [](void* arg) -> void* {
    (*static_cast<std::function<void()>*>(arg))();
    return nullptr;
  };
  pthread_create(&t, &attr, body, &f);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace arbor::testing
