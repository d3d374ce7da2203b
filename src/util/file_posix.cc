#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "util/file.h"

namespace arbor::util {
namespace {

Status errno_status(const std::string& what) {
  return Status::io_error(what + ": " + std::strerror(errno));
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path, uint64_t size) : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixFile() override { ::close(fd_); }

  Status write_at(uint64_t offset, std::string_view data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done,
                           static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_status("write " + path_);
      }
      done += static_cast<size_t>(n);
    }
    size_ = std::max<uint64_t>(size_, offset + data.size());
    return Status();
  }
  Status sync() override {
    if (::fdatasync(fd_) != 0) return errno_status("fdatasync " + path_);
    return Status();
  }
  Status preallocate(uint64_t size) override {
    if (size <= size_) return Status();
    int rc = ::posix_fallocate(fd_, 0, static_cast<off_t>(size));
    if (rc == EOPNOTSUPP || rc == EINVAL) return Status();  // Not every file system can.
    if (rc != 0) {
      errno = rc;
      return errno_status("fallocate " + path_);
    }
    size_ = size;
    return Status();
  }
  Status truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return errno_status("truncate " + path_);
    size_ = size;
    return Status();
  }
  uint64_t size() const override { return size_; }

 private:
  int fd_;
  std::string path_;
  uint64_t size_;
};

// Where the data of `fd` (`size` bytes) ends: a preallocated WAL segment is mostly unwritten
// extents, which read as zeros and which SEEK_DATA/SEEK_HOLE report as holes; the trailing hole
// is left off (see file.h), so a restart reads the log, not 64 MB of zeros.
off_t data_end(int fd, off_t size) {
  off_t end = size;
  for (off_t pos = 0, last = 0; pos < size;) {
    const off_t d = ::lseek(fd, pos, SEEK_DATA);
    if (d < 0) {
      if (errno == ENXIO) end = last;  // Only a hole from `last` on.
      break;                           // (EINVAL: no hole support; read it all.)
    }
    const off_t h = ::lseek(fd, d, SEEK_HOLE);
    if (h < 0) break;
    last = h;
    pos = h;
    if (h >= size) break;
  }
  return end;
}

class MappedView final : public FileView {
 public:
  MappedView(const char* data, size_t size) : data_(data), size_(size) {}
  ~MappedView() override {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view data() const override { return {data_, size_}; }

 private:
  const char* data_;
  size_t size_;
};

class PosixDir final : public Dir {
 public:
  explicit PosixDir(std::string path) : path_(std::move(path)) {}

  Result<std::unique_ptr<File>, Status> open(std::string_view name) override {
    const std::string p = join(name);
    int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status("open " + p);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      Status s = errno_status("stat " + p);
      ::close(fd);
      return s;
    }
    return std::unique_ptr<File>(new PosixFile(fd, p, static_cast<uint64_t>(st.st_size)));
  }
  // Opens `p` to read: its size and where its data ends (data_end). Nothing stays open on error.
  static Status open_data(const std::string& p, int* fd, off_t* size, off_t* end) {
    *fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (*fd < 0) return errno == ENOENT ? Status::not_found(p) : errno_status("open " + p);
    struct stat st;
    if (::fstat(*fd, &st) != 0) {
      Status s = errno_status("stat " + p);
      ::close(*fd);
      return s;
    }
    *size = st.st_size;
    *end = data_end(*fd, st.st_size);
    return Status();
  }
  Status read(std::string_view name, std::string* out) override {
    // One buffer, filled in place, without the trailing hole.
    const std::string p = join(name);
    int fd = -1;
    off_t size = 0, end = 0;
    if (Status s = open_data(p, &fd, &size, &end); !s.ok()) return s;
    if (::lseek(fd, 0, SEEK_SET) != 0) {
      Status s = errno_status("seek " + p);
      ::close(fd);
      return s;
    }
    out->resize(static_cast<size_t>(end));
    size_t got = 0;
    for (;;) {
      char probe[4096];
      const bool full = got == out->size();
      // Full: one more read tells whether the file grew since fstat (rare: append the rest).
      ssize_t n = full ? ::read(fd, probe, sizeof probe)
                       : ::read(fd, out->data() + got, out->size() - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        Status s = errno_status("read " + p);
        ::close(fd);
        return s;
      }
      if (n == 0 || (full && end < size)) break;
      if (full) out->append(probe, static_cast<size_t>(n));
      got += static_cast<size_t>(n);
    }
    out->resize(got);
    ::close(fd);
    return Status();
  }
  Result<std::unique_ptr<FileView>, Status> view(std::string_view name) override {
    const std::string p = join(name);
    int fd = -1;
    off_t size = 0, end = 0;
    if (Status s = open_data(p, &fd, &size, &end); !s.ok()) return s;
    const size_t len = static_cast<size_t>(end);
    void* map = len == 0 ? nullptr
                         : ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    const int err = errno;
    ::close(fd);  // The mapping keeps the file.
    if (map == MAP_FAILED) {
      errno = err;
      return errno_status("mmap " + p);
    }
    return std::unique_ptr<FileView>(new MappedView(static_cast<const char*>(map), len));
  }
  Result<std::vector<std::string>, Status> list() override {
    DIR* d = ::opendir(path_.c_str());
    if (d == nullptr) return errno_status("opendir " + path_);
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(std::move(n));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }
  Status rename(std::string_view from, std::string_view to) override {
    if (::rename(join(from).c_str(), join(to).c_str()) != 0) {
      return errno_status("rename " + join(from) + " -> " + join(to));
    }
    return Status();
  }
  Status remove(std::string_view name) override {
    if (::unlink(join(name).c_str()) != 0 && errno != ENOENT) return errno_status("unlink " + join(name));
    return Status();
  }
  Status sync_dir() override {
    int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_status("open " + path_);
    int rc = ::fsync(fd);
    Status s = rc == 0 ? Status() : errno_status("fsync " + path_);
    ::close(fd);
    return s;
  }
  bool exists(std::string_view name) override {
    struct stat st;
    return ::stat(join(name).c_str(), &st) == 0;
  }
  const std::string& path() const override { return path_; }

 private:
  std::string join(std::string_view name) const { return path_ + "/" + std::string(name); }
  std::string path_;
};

Status make_dirs(const std::string& path) {
  std::string cur;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    cur = path.substr(0, end);
    if (!cur.empty() && ::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST) {
      return errno_status("mkdir " + cur);
    }
    start = end + 1;
  }
  return Status();
}

class PosixLock final : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override { ::close(fd_); }

 private:
  int fd_;
};

class StringView final : public FileView {
 public:
  explicit StringView(std::string s) : s_(std::move(s)) {}
  std::string_view data() const override { return s_; }

 private:
  std::string s_;
};

}  // namespace

Result<std::unique_ptr<FileView>, Status> Dir::view(std::string_view name) {
  std::string bytes;
  if (Status s = read(name, &bytes); !s.ok()) return s;
  return std::unique_ptr<FileView>(new StringView(std::move(bytes)));
}

Result<std::unique_ptr<Dir>, Status> open_posix_dir(const std::string& path, bool create_dirs) {
  if (create_dirs) {
    Status s = make_dirs(path);
    if (!s.ok()) return s;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errno_status("stat " + path);
  if (!S_ISDIR(st.st_mode)) return Status::io_error(path + " is not a directory");
  return std::unique_ptr<Dir>(new PosixDir(path));
}

Result<std::unique_ptr<FileLock>, Status> lock_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return errno_status("open " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    Status s = errno == EWOULDBLOCK
                   ? Status::io_error(path + " is locked by another process")
                   : errno_status("flock " + path);
    ::close(fd);
    return s;
  }
  return std::unique_ptr<FileLock>(new PosixLock(fd));
}

}  // namespace arbor::util
