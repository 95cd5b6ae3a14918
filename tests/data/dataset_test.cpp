#include "data/dataset.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "core/io.h"

namespace hwnas {
namespace {

namespace fs = std::filesystem;

/// A fresh directory per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = (fs::temp_directory_path() /
            str_cat("hwnas_data_", getpid(), "_", info->test_suite_name(), "_", info->name()))
               .string();
    fs::remove_all(dir_);
    make_dirs(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};

std::string be32(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string bytes_of(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kUInt8).contiguous();
  return std::string(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), c.numel());
}

/// IDX image file content: magic, N, H, W, pixels (uint8 [N, 1, H, W] or [N, H, W]).
std::string idx_images(const torch::Tensor& images, uint32_t magic = 0x00000803) {
  const int64_t n = images.size(0), h = images.size(-2), w = images.size(-1);
  return be32(magic) + be32(n) + be32(h) + be32(w) + bytes_of(images);
}

std::string idx_labels(const torch::Tensor& labels) {
  return be32(0x00000801) + be32(labels.size(0)) + bytes_of(labels);
}

void write_plain(const std::string& path, const std::string& data) { write_file_atomic(path, data); }

void write_gz(const std::string& path, const std::string& data) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(gzwrite(f, data.data(), static_cast<unsigned>(data.size())),
            static_cast<int>(data.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no hwnas::Error thrown>";
}

#define EXPECT_CONTAINS(haystack, needle)                                              \
  do {                                                                                 \
    const std::string h_ = (haystack);                                                 \
    EXPECT_NE(h_.find(needle), std::string::npos) << "'" << h_ << "' lacks '" << (needle) << "'"; \
  } while (0)

torch::Tensor random_images(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randint(0, 256, {n, c, h, w}, torch::kInt64).to(torch::kUInt8);
}

// ---------------------------------------------------------------- IDX files

class IdxTest : public TempDirTest {};

TEST_F(IdxTest, RoundTripPlainAndGz) {
  const torch::Tensor images = random_images(7, 1, 5, 4, 1);
  const torch::Tensor labels = torch::tensor(std::vector<int64_t>{0, 9, 3, 3, 1, 7, 2});
  write_plain(path("img"), idx_images(images));
  write_plain(path("lab"), idx_labels(labels));
  write_gz(path("img.gz"), idx_images(images));
  write_gz(path("lab.gz"), idx_labels(labels));
  for (const std::string suffix : {"", ".gz"}) {
    const torch::Tensor got_images = read_idx_images(path("img" + suffix));
    const torch::Tensor got_labels = read_idx_labels(path("lab" + suffix));
    EXPECT_EQ(got_images.sizes(), images.sizes()) << suffix;
    EXPECT_EQ(got_images.scalar_type(), torch::kUInt8);
    EXPECT_TRUE(torch::equal(got_images, images)) << suffix;
    EXPECT_EQ(got_labels.scalar_type(), torch::kInt64);
    EXPECT_TRUE(torch::equal(got_labels, labels)) << suffix;
  }
}

TEST_F(IdxTest, BadMagicNamesFileAndValue) {
  write_plain(path("lab"), idx_labels(torch::tensor(std::vector<int64_t>{1, 2})));
  const std::string msg = error_of([&] { read_idx_images(path("lab")); });
  EXPECT_CONTAINS(msg, path("lab") + ": bad magic 0x00000801 (expected 0x00000803");
  write_gz(path("img.gz"), idx_images(random_images(2, 1, 3, 3, 2)));
  EXPECT_CONTAINS(error_of([&] { read_idx_labels(path("img.gz")); }),
                  "bad magic 0x00000803 (expected 0x00000801");
  write_plain(path("junk"), idx_images(random_images(2, 1, 3, 3, 2), 0x12345678));
  EXPECT_CONTAINS(error_of([&] { read_idx_images(path("junk")); }), "bad magic 0x12345678");
}

TEST_F(IdxTest, TruncatedPixelsPlainAndGz) {
  const std::string full = idx_images(random_images(7, 1, 5, 4, 3));
  const std::string cut = full.substr(0, 16 + 100);  // 100 of 140 pixel bytes
  write_plain(path("img"), cut);
  write_gz(path("img.gz"), cut);
  for (const std::string name : {"img", "img.gz"}) {
    EXPECT_CONTAINS(error_of([&] { read_idx_images(path(name)); }),
                    path(name) + ": truncated: header says 7 images of 5x4, file holds 100 bytes "
                                 "of pixels");
  }
  // Labels: header says 5, three present.
  write_plain(path("lab"), be32(0x00000801) + be32(5) + std::string(3, '\1'));
  EXPECT_CONTAINS(error_of([&] { read_idx_labels(path("lab")); }),
                  "truncated: header says 5 labels, file holds 3 bytes of labels");
  // Header itself cut short.
  write_plain(path("short"), full.substr(0, 10));
  EXPECT_CONTAINS(error_of([&] { read_idx_images(path("short")); }),
                  "truncated: file ends after 10 bytes, inside the IDX header (rows)");
}

TEST_F(IdxTest, CutGzipStreamIsTruncated) {
  const std::string full = idx_images(random_images(50, 1, 8, 8, 4));  // random: barely compresses
  write_gz(path("img.gz"), full);
  const std::string gz = read_file(path("img.gz"));
  write_plain(path("cut.gz"), gz.substr(0, gz.size() / 2));
  const std::string msg = error_of([&] { read_idx_images(path("cut.gz")); });
  EXPECT_CONTAINS(msg, path("cut.gz") + ": truncated: header says 50 images of 8x8");
  EXPECT_CONTAINS(msg, "gzip stream cut short");
}

TEST_F(IdxTest, TrailingBytesAreAnError) {
  write_gz(path("img.gz"), idx_images(random_images(2, 1, 3, 3, 5)) + "xyz");
  EXPECT_CONTAINS(error_of([&] { read_idx_images(path("img.gz")); }),
                  "3 unexpected bytes after the 2 images of 3x3");
}

TEST_F(IdxTest, MissingFile) {
  EXPECT_CONTAINS(error_of([&] { read_idx_images(path("nope.gz")); }),
                  path("nope.gz") + ": cannot open: No such file or directory");
  EXPECT_CONTAINS(error_of([&] { read_idx_labels(path("nope")); }), "cannot open");
}

// ------------------------------------------------------------ load_dataset

class DataSpecTest : public TempDirTest {
 protected:
  /// Writes a complete mnist-idx directory: train gz, test plain.
  void write_idx_dir(int64_t n_train, int64_t n_train_labels, int64_t n_test, int64_t bad_label = -1) {
    torch::Tensor train_labels = torch::arange(n_train_labels, torch::kInt64).remainder(10);
    if (bad_label >= 0) train_labels[1] = bad_label;
    write_gz(path("train-images-idx3-ubyte.gz"), idx_images(random_images(n_train, 1, 6, 6, 7)));
    write_gz(path("train-labels-idx1-ubyte.gz"), idx_labels(train_labels));
    write_plain(path("t10k-images-idx3-ubyte"), idx_images(random_images(n_test, 1, 6, 6, 8)));
    write_plain(path("t10k-labels-idx1-ubyte"),
                idx_labels(torch::arange(n_test, torch::kInt64).remainder(10)));
  }
};

TEST_F(DataSpecTest, MnistIdxDirAcceptsGzAndPlain) {
  write_idx_dir(30, 30, 12);
  const DataSplits d = load_dataset("mnist-idx:" + dir_);
  EXPECT_EQ(d.train.size(), 30);
  EXPECT_EQ(d.test.size(), 12);
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{30, 1, 6, 6}));
  EXPECT_EQ(d.train.num_classes, 10);
  EXPECT_EQ(d.train.name, "mnist-idx/train");
  EXPECT_EQ(d.test.name, "mnist-idx/test");
  EXPECT_EQ(d.train.labels[13].item<int64_t>(), 3);
}

TEST_F(DataSpecTest, CountMismatchNamesBothFiles) {
  write_idx_dir(30, 29, 12);
  const std::string msg = error_of([&] { load_dataset("mnist-idx:" + dir_); });
  EXPECT_CONTAINS(msg, "mnist-idx: " + path("train-images-idx3-ubyte.gz") + ": 30 images but " +
                           path("train-labels-idx1-ubyte.gz") + " holds 29 labels");
}

TEST_F(DataSpecTest, LabelOutOfRange) {
  write_idx_dir(30, 30, 12, /*bad_label=*/10);
  EXPECT_CONTAINS(error_of([&] { load_dataset("mnist-idx:" + dir_); }),
                  path("train-labels-idx1-ubyte.gz") + ": label 10 at index 1 is not < 10 classes");
}

TEST_F(DataSpecTest, MissingAndCorruptFilesArePrefixedWithTheKind) {
  write_idx_dir(30, 30, 12);
  fs::remove(path("t10k-labels-idx1-ubyte"));
  EXPECT_CONTAINS(error_of([&] { load_dataset("mnist-idx:" + dir_); }),
                  "mnist-idx: " + path("t10k-labels-idx1-ubyte") + "[.gz]: no such file");
  write_plain(path("t10k-labels-idx1-ubyte"), be32(0x00000801) + be32(12) + "ab");
  EXPECT_CONTAINS(error_of([&] { load_dataset("mnist-idx:" + dir_); }),
                  "mnist-idx: " + path("t10k-labels-idx1-ubyte") +
                      ": truncated: header says 12 labels, file holds 2 bytes of labels");
  EXPECT_CONTAINS(error_of([&] { load_dataset("mnist-idx:" + path("none")); }),
                  "mnist-idx: " + path("none") + ": no such directory");
}

TEST_F(DataSpecTest, UnknownSpec) {
  EXPECT_CONTAINS(error_of([&] { load_dataset("imagenet"); }),
                  "unknown data set 'imagenet'; expected fashion-mnist, mnist-idx:DIR or cifar10:DIR");
  EXPECT_CONTAINS(error_of([&] { load_dataset("mnist-idx:"); }), "missing directory");
}

// ---------------------------------------------------------------- CIFAR-10

class CifarTest : public TempDirTest {
 protected:
  /// `records` CIFAR records with labels r % 10 and random pixels; returns the bytes.
  std::string cifar_bytes(int records, uint64_t seed) {
    const torch::Tensor px = random_images(records, 3, 32, 32, seed).reshape({records, 3072});
    std::string out;
    for (int r = 0; r < records; ++r) {
      out += static_cast<char>(r % 10);
      out += bytes_of(px[r]);
    }
    return out;
  }
};

TEST_F(CifarTest, ReadsChannelMajorRecords) {
  const std::string a = cifar_bytes(3, 1), b = cifar_bytes(2, 2);
  write_plain(path("a.bin"), a);
  write_plain(path("b.bin"), b);
  const ImageSet s = read_cifar10_batches({path("a.bin"), path("b.bin")}, "cifar10/x");
  ASSERT_EQ(s.images.sizes(), (std::vector<int64_t>{5, 3, 32, 32}));
  EXPECT_EQ(s.name, "cifar10/x");
  EXPECT_TRUE(torch::equal(s.labels, torch::tensor(std::vector<int64_t>{0, 1, 2, 0, 1})));
  // Record 4 = b's record 1: pixel (c=2, y=5, x=7) is byte 1 + 2*1024 + 5*32 + 7 of the record.
  const auto expect = static_cast<uint8_t>(b[3073 + 1 + 2 * 1024 + 5 * 32 + 7]);
  EXPECT_EQ(s.images[4][2][5][7].item<uint8_t>(), expect);
  EXPECT_TRUE(torch::equal(s.images[0].reshape({3072}),
                           torch::from_blob(const_cast<char*>(a.data() + 1), {3072}, torch::kUInt8)));
}

TEST_F(CifarTest, BadSizeAndLabel) {
  write_plain(path("bad.bin"), cifar_bytes(2, 3) + "12345");
  EXPECT_CONTAINS(error_of([&] { read_cifar10_batches({path("bad.bin")}, "c"); }),
                  path("bad.bin") + ": size 6151 bytes is not a positive multiple of 3073");
  std::string rec = cifar_bytes(2, 4);
  rec[3073] = 11;
  write_plain(path("lab.bin"), rec);
  EXPECT_CONTAINS(error_of([&] { read_cifar10_batches({path("lab.bin")}, "c"); }),
                  path("lab.bin") + ": record 1 has label 11, not < 10 classes");
}

TEST_F(CifarTest, LoadDatasetDir) {
  for (int b = 1; b <= 5; ++b) write_plain(path(str_cat("data_batch_", b, ".bin")), cifar_bytes(2, b));
  write_plain(path("test_batch.bin"), cifar_bytes(3, 9));
  const DataSplits d = load_dataset("cifar10:" + dir_);
  EXPECT_EQ(d.train.size(), 10);
  EXPECT_EQ(d.test.size(), 3);
  EXPECT_EQ(d.train.name, "cifar10/train");
  fs::remove(path("data_batch_4.bin"));
  EXPECT_CONTAINS(error_of([&] { load_dataset("cifar10:" + dir_); }),
                  "cifar10: " + path("data_batch_4.bin") + ": cannot open");
}

// -------------------------------------------------------------- the split

/// Class c has 6 + c images, classes interleaved; pixel [0,0,0] holds the row index.
ImageSet indexed_set() {
  std::vector<int64_t> labels;
  for (int c = 0; c < 10; ++c) labels.insert(labels.end(), 6 + c, c);
  ImageSet s;
  s.name = "toy";
  const int64_t n = static_cast<int64_t>(labels.size());  // 105
  s.labels = torch::tensor(labels).index_select(0, torch::randperm(n, torch::kInt64));
  s.images = torch::zeros({n, 1, 2, 2}, torch::kUInt8);
  s.images.select(1, 0).select(1, 0).select(1, 0).copy_(torch::arange(n));
  return s;
}

std::vector<int64_t> codes(const ImageSet& s) {
  const torch::Tensor c = s.images.select(1, 0).select(1, 0).select(1, 0).to(torch::kInt64);
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

TEST(SplitTest, DisjointClassBalancedAndDeterministic) {
  torch::manual_seed(0);
  const ImageSet train = indexed_set();
  const SearchSplit s = make_search_split(train, 3, /*seed=*/42);
  EXPECT_EQ(s.search_valid.size(), 30);
  EXPECT_EQ(s.search_train.size(), train.size() - 30);
  EXPECT_EQ(s.search_valid.name, "toy/search-valid");
  EXPECT_EQ(s.search_train.name, "toy/search-train");
  EXPECT_TRUE(torch::equal(torch::bincount(s.search_valid.labels, {}, 10),
                           torch::full({10}, 3, torch::kInt64)));
  // Disjoint and covering: every index code appears exactly once, with its label.
  std::multiset<int64_t> all;
  for (const ImageSet* part : {&s.search_train, &s.search_valid}) {
    const std::vector<int64_t> cs = codes(*part);
    for (size_t k = 0; k < cs.size(); ++k) {
      all.insert(cs[k]);
      EXPECT_EQ(part->labels[k].item<int64_t>(), train.labels[cs[k]].item<int64_t>());
    }
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(train.size()));
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), all.size());
  // Same seed, same split; another seed, another validation set.
  const SearchSplit again = make_search_split(train, 3, 42);
  EXPECT_EQ(codes(again.search_valid), codes(s.search_valid));
  EXPECT_EQ(codes(again.search_train), codes(s.search_train));
  EXPECT_NE(codes(make_search_split(train, 3, 43).search_valid), codes(s.search_valid));
}

TEST(SplitTest, TooFewImagesInAClass) {
  torch::manual_seed(0);
  const ImageSet train = indexed_set();  // class 0 has 6 images
  EXPECT_CONTAINS(error_of([&] { make_search_split(train, 6, 1); }),
                  "toy: class 0 has 6 images, too few to hold out 6 per class");
  EXPECT_CONTAINS(error_of([&] { make_search_split(train, -1, 1); }), "valid_per_class must be >= 0");
}

TEST(DataSubsetTest, SelectsRowsAndChecksRange) {
  torch::manual_seed(0);
  const ImageSet train = indexed_set();
  const ImageSet sub = train.subset(torch::tensor(std::vector<int64_t>{5, 0, 5}), "/x");
  EXPECT_EQ(sub.name, "toy/x");
  EXPECT_EQ(codes(sub), (std::vector<int64_t>{5, 0, 5}));
  EXPECT_EQ(sub.labels[0].item<int64_t>(), train.labels[5].item<int64_t>());
  EXPECT_CONTAINS(error_of([&] { train.subset(torch::tensor(std::vector<int64_t>{105}), ""); }),
                  "subset index out of range [0, 105)");
}

// ---------------------------------------------------------- normalisation

TEST(DataNormalizationTest, MatchesTorchPerChannel) {
  torch::manual_seed(3);
  ImageSet s;
  s.images = torch::randint(0, 256, {20, 3, 7, 5}, torch::kInt64).to(torch::kUInt8);
  s.images.select(1, 1).clamp_(0, 100);  // channel 1 darker
  s.labels = torch::zeros({20}, torch::kInt64);
  const Normalization n = compute_normalization(s);
  ASSERT_EQ(n.mean.size(), 3u);
  const torch::Tensor f = s.images.to(torch::kFloat64).div(255).transpose(0, 1).reshape({3, -1});
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(n.mean[c], f[c].mean().item<double>(), 1e-6) << c;
    EXPECT_NEAR(n.std[c], f[c].std(/*unbiased=*/false).item<double>(), 1e-6) << c;
  }
  EXPECT_LT(n.mean[1], n.mean[0]);
}

// ------------------------------------------------------------ BatchLoader

/// Labels are the image indices, so batches can be traced back to rows.
ImageSet traced_set(int64_t n, int64_t c = 1, int64_t h = 6, int64_t w = 5) {
  ImageSet s;
  s.name = "traced";
  s.images = random_images(n, c, h, w, 11);
  s.labels = torch::arange(n, torch::kInt64);
  s.num_classes = static_cast<int>(n);
  return s;
}

std::vector<int64_t> epoch_labels(const BatchLoader& l, int64_t epoch) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < l.num_batches(); ++i) {
    const torch::Tensor y = l.batch(epoch, i).second;
    out.insert(out.end(), y.data_ptr<int64_t>(), y.data_ptr<int64_t>() + y.numel());
  }
  return out;
}

TEST(BatchLoaderTest, DeterministicAcrossInstancesAndAccessOrder) {
  const ImageSet s = traced_set(50, 3);
  const Normalization norm = compute_normalization(s);
  BatchLoader::Options o;
  o.batch_size = 8;
  o.augment = true;
  const BatchLoader a(s, norm, o, 7), b(s, norm, o, 7), other(s, norm, o, 8);
  // b visits batches in a different order (and epochs interleaved) than a.
  const auto b_late = b.batch(2, 3);
  const auto b_first = b.batch(0, 6);
  for (int64_t e : {0, 2}) {
    for (int64_t i = 0; i < a.num_batches(); ++i) {
      const auto x = a.batch(e, i), y = b.batch(e, i);
      EXPECT_TRUE(torch::equal(x.first, y.first)) << e << " " << i;
      EXPECT_TRUE(torch::equal(x.second, y.second)) << e << " " << i;
    }
  }
  EXPECT_TRUE(torch::equal(a.batch(2, 3).first, b_late.first));
  EXPECT_TRUE(torch::equal(a.batch(0, 6).first, b_first.first));
  EXPECT_NE(epoch_labels(a, 0), epoch_labels(other, 0));
}

TEST(BatchLoaderTest, EachEpochIsAPermutation) {
  const ImageSet s = traced_set(50);
  BatchLoader::Options o;
  o.batch_size = 8;
  const BatchLoader l(s, compute_normalization(s), o, 1);
  ASSERT_EQ(l.num_batches(), 7);
  EXPECT_EQ(l.batch(0, 6).first.size(0), 2);  // 50 = 6 * 8 + 2
  std::vector<int64_t> all(50);
  std::iota(all.begin(), all.end(), 0);
  const std::vector<int64_t> e0 = epoch_labels(l, 0), e1 = epoch_labels(l, 1);
  EXPECT_NE(e0, all);
  EXPECT_NE(e0, e1);
  for (std::vector<int64_t> e : {e0, e1}) {
    std::sort(e.begin(), e.end());
    EXPECT_EQ(e, all);
  }
}

TEST(BatchLoaderTest, NoShuffleLimitAndDropLast) {
  const ImageSet s = traced_set(50);
  BatchLoader::Options o;
  o.batch_size = 8;
  o.shuffle = false;
  o.limit = 20;
  const BatchLoader l(s, compute_normalization(s), o, 1);
  EXPECT_EQ(l.num_batches(), 3);
  std::vector<int64_t> first20(20);
  std::iota(first20.begin(), first20.end(), 0);
  EXPECT_EQ(epoch_labels(l, 0), first20);
  o.drop_last = true;
  EXPECT_EQ(BatchLoader(s, compute_normalization(s), o, 1).num_batches(), 2);
  o.shuffle = true;
  std::vector<int64_t> e = epoch_labels(BatchLoader(s, compute_normalization(s), o, 1), 3);
  ASSERT_EQ(e.size(), 16u);
  for (int64_t v : e) EXPECT_LT(v, 20);
  o.batch_size = 21;
  EXPECT_CONTAINS(error_of([&] { BatchLoader(s, compute_normalization(s), o, 1); }),
                  "20 images make no batch of 21 with drop_last");
  EXPECT_CONTAINS(error_of([&] { l.batch(0, 3); }), "batch index 3 out of range [0, 3)");
}

TEST(BatchLoaderTest, NormalisedBatchesHaveZeroMeanUnitStd) {
  ImageSet s = traced_set(64, 2, 4, 4);
  s.images.select(1, 0).clamp_(30, 120);
  const Normalization norm = compute_normalization(s);
  BatchLoader::Options o;
  o.batch_size = 10;
  const BatchLoader l(s, norm, o, 5);
  std::vector<torch::Tensor> xs;
  for (int64_t i = 0; i < l.num_batches(); ++i) xs.push_back(l.batch(0, i).first);
  const torch::Tensor x = torch::cat(xs).transpose(0, 1).reshape({2, -1}).to(torch::kFloat64);
  EXPECT_EQ(xs[0].scalar_type(), torch::kFloat32);
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR(x[c].mean().item<double>(), 0.0, 1e-5) << c;
    EXPECT_NEAR(x[c].std(false).item<double>(), 1.0, 1e-4) << c;
  }
}

TEST(BatchLoaderTest, AugmentationIsAPaddedCropWithOptionalFlip) {
  const int64_t h = 6, w = 5, p = 2;
  const ImageSet s = traced_set(64, 3, h, w);
  const Normalization norm = compute_normalization(s);
  BatchLoader::Options o;
  o.batch_size = 64;
  o.augment = true;
  o.pad = p;
  const BatchLoader l(s, norm, o, 3);
  const auto [x, y] = l.batch(0, 0);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{64, 3, h, w}));
  // Undo normalisation back to pixel values.
  const torch::Tensor mean = torch::tensor(norm.mean).view({1, 3, 1, 1});
  const torch::Tensor stdv = torch::tensor(norm.std).view({1, 3, 1, 1});
  const torch::Tensor px = (x * stdv + mean).mul(255).round().to(torch::kInt64);
  int flipped = 0, shifted = 0;
  for (int64_t j = 0; j < 64; ++j) {
    const torch::Tensor src =
        torch::constant_pad_nd(s.images[y[j].item<int64_t>()], {p, p, p, p}, 0).to(torch::kInt64);
    bool found = false;
    for (int64_t dy = 0; dy <= 2 * p && !found; ++dy) {
      for (int64_t dx = 0; dx <= 2 * p && !found; ++dx) {
        const torch::Tensor crop = src.narrow(1, dy, h).narrow(2, dx, w);
        if (torch::equal(px[j], crop)) {
          found = true;
          shifted += dy != p || dx != p;
        } else if (torch::equal(px[j], crop.flip({2}))) {
          found = true;
          ++flipped;
          shifted += dy != p || dx != p;
        }
      }
    }
    EXPECT_TRUE(found) << "image " << j << " is no padded crop of its source";
  }
  EXPECT_GT(flipped, 10);
  EXPECT_GT(shifted, 40);
  // Without augmentation the batch is the plain normalised images.
  o.augment = false;
  const auto [x0, y0] = BatchLoader(s, norm, o, 3).batch(0, 0);
  EXPECT_TRUE(torch::equal(y0, y));
  const torch::Tensor expect = (s.images.index_select(0, y0).to(torch::kFloat32) / 255 - mean) / stdv;
  EXPECT_TRUE(torch::allclose(x0, expect, 1e-5, 1e-5));
}

TEST(BatchLoaderTest, BadOptions) {
  const ImageSet s = traced_set(10);
  const Normalization norm = compute_normalization(s);
  BatchLoader::Options o;
  o.batch_size = 0;
  EXPECT_CONTAINS(error_of([&] { BatchLoader(s, norm, o, 1); }), "batch_size must be > 0, got 0");
  o.batch_size = 4;
  EXPECT_CONTAINS(error_of([&] { BatchLoader(s, Normalization{{0.5f, 0.5f}, {1, 1}}, o, 1); }),
                  "normalisation has 2 means and 2 stds for 1 channels");
}

// ------------------------------------------------------ real Fashion-MNIST

constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

TEST(DataFashionMnistTest, LoadsTheInstalledPackage) {
  if (!file_exists(kFashionDir)) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const DataSplits d = load_dataset("fashion-mnist");
  EXPECT_EQ(d.train.name, "fashion-mnist/train");
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(d.test.images.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  EXPECT_EQ(d.train.num_classes, 10);
  // Fashion-MNIST is balanced: 6000 / 1000 images per class.
  EXPECT_TRUE(torch::equal(torch::bincount(d.train.labels, {}, 10), torch::full({10}, 6000, torch::kInt64)));
  EXPECT_TRUE(torch::equal(torch::bincount(d.test.labels, {}, 10), torch::full({10}, 1000, torch::kInt64)));
  // Commonly quoted statistics of the training set: mean 0.2860, std 0.3530.
  const Normalization n = compute_normalization(d.train);
  EXPECT_NEAR(n.mean[0], 0.2860, 5e-4);
  EXPECT_NEAR(n.std[0], 0.3530, 5e-4);
}

/// Throughput, not a check: run with --gtest_also_run_disabled_tests.
TEST(DataFashionMnistTest, DISABLED_BatchThroughput) {
  if (!file_exists(kFashionDir)) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const DataSplits d = load_dataset("fashion-mnist");
  const Normalization norm = compute_normalization(d.train);
  for (const bool augment : {false, true}) {
    BatchLoader::Options o;
    o.batch_size = 256;
    o.augment = augment;
    const BatchLoader l(d.train, norm, o, 1);
    const auto t0 = std::chrono::steady_clock::now();
    double checksum = 0;
    for (int64_t i = 0; i < l.num_batches(); ++i)
      checksum += l.batch(0, i).first.sum().item<double>();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("augment=%d threads=%d: %lld batches of 256 in %.3f s = %.0f batches/s (checksum %.3f)\n",
                augment, at::get_num_threads(), static_cast<long long>(l.num_batches()), s,
                l.num_batches() / s, checksum);
  }
}

}  // namespace
}  // namespace hwnas
