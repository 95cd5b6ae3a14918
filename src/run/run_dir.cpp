#include "run/run_dir.h"

#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"
#include "core/io.h"
#include "nn/data_parallel.h"
#include "nn/device.h"

namespace hwnas {

RunDir::RunDir(std::string path) : root_(std::move(path)) {
  HWNAS_CHECK(!root_.empty(), "run directory path is empty");
  make_dirs(root_);
}

std::string RunDir::file(const std::string& name) const { return root_ + "/" + name; }
bool RunDir::has(const std::string& name) const { return file_exists(file(name)); }
void RunDir::write(const std::string& name, const std::string& text) const {
  if (process_writes_files()) write_file_atomic(file(name), text);
}
void RunDir::remove(const std::string& name) const {
  if (process_writes_files()) std::remove(file(name).c_str());
}
std::string RunDir::read(const std::string& name) const { return read_file(file(name)); }

void save_module(torch::nn::Module& module, const std::string& path) {
  torch::serialize::OutputArchive archive;
  module.save(archive);
  std::ostringstream os;
  archive.save_to(os);
  if (process_writes_files()) write_file_atomic(path, os.str());
}

void load_module(torch::nn::Module& module, const std::string& path) {
  HWNAS_CHECK(file_exists(path), "weights file ", path, " does not exist");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device_of(module));  // saved on another device: mapped to this one
    module.load(archive);
  } catch (const c10::Error& e) {
    HWNAS_CHECK(false, "weights file ", path, " does not fit this network (other space, or corrupt): ",
                first_line(e.msg()));
  }
}

}  // namespace hwnas
