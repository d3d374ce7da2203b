#pragma once
// Keeping the threads of the write path on one CPU (arbor's --pin-write-path).
//
// A write crosses from the I/O thread to the apply loop and back (on a follower, from the peer
// transport's thread to the loop and back): one wake-up each way per batch. When the scheduler
// puts these threads on different CPUs, each wake-up is an inter-processor interrupt, which a
// virtual machine makes expensive; on one CPU it is a local switch, and while the loop waits
// for fdatasync the I/O thread has the CPU. The rest of the process (and of the machine) keeps
// the other CPUs.

#include <pthread.h>

#include <vector>

namespace arbor::util {

// How many CPUs this process may run on (at least 1).
int allowed_cpus();

// Binds the calling thread and `others` to the CPU the calling thread is on now, and remembers
// the process's CPUs for unpin_self(). Returns that CPU, or -1 when it could not (nothing is
// changed then).
int pin_with(const std::vector<pthread_t>& others);

// For a process forked by a pinned thread (the snapshot writer): runs it on the CPUs the
// process had before pin_with. Safe after fork (one system call); nothing when never pinned.
void unpin_self();

}  // namespace arbor::util
