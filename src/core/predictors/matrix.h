// Matrix: a small dense row-major matrix of doubles and the few routines the
// latency predictors need (products, Gram matrices, Cholesky, symmetric
// eigen-decomposition). Sizes are small (<= a few thousand rows, <= ~1,000
// columns), so plain loops in cache-friendly order are enough; no BLAS.
#pragma once

#include <cstddef>
#include <vector>

namespace hwnas {

/// Dense row-major matrix: element (r, c) is data[r * cols + c].
struct Matrix {
  int rows = 0;
  int cols = 0;
  std::vector<double> data;  ///< rows * cols values, row after row

  Matrix() = default;
  /// A rows x cols matrix filled with `value`.
  Matrix(int rows, int cols, double value = 0.0);
  /// Builds from equal-length rows; throws hwnas::Error on ragged input.
  static Matrix from_rows(const std::vector<std::vector<double>>& rows);
  /// The n x n identity.
  static Matrix identity(int n);

  double& operator()(int r, int c) { return data[static_cast<std::size_t>(r) * cols + c]; }
  double operator()(int r, int c) const { return data[static_cast<std::size_t>(r) * cols + c]; }
  double* row(int r) { return data.data() + static_cast<std::size_t>(r) * cols; }
  const double* row(int r) const { return data.data() + static_cast<std::size_t>(r) * cols; }
  /// Copy of row `r`.
  std::vector<double> row_vector(int r) const;
  /// The rows listed in `idx`, in that order.
  Matrix select_rows(const std::vector<int>& idx) const;
  Matrix transpose() const;
};

/// a * b; throws hwnas::Error when the inner sizes differ.
Matrix matmul(const Matrix& a, const Matrix& b);
/// a * x (length a.rows).
std::vector<double> matvec(const Matrix& a, const std::vector<double>& x);
/// a^T * x (length a.cols).
std::vector<double> matvec_t(const Matrix& a, const std::vector<double>& x);
/// a^T a (cols x cols), symmetric.
Matrix gram(const Matrix& a);
/// a a^T (rows x rows), symmetric.
Matrix outer_gram(const Matrix& a);
double dot(const double* a, const double* b, int n);
double dot(const std::vector<double>& a, const std::vector<double>& b);

/// In-place Cholesky factorisation of a symmetric positive-definite matrix:
/// on success the lower triangle holds L with a = L L^T and the strict upper
/// triangle is zeroed. Returns false (a left partly overwritten) when a pivot
/// is not positive, i.e. a is not numerically positive definite.
bool cholesky(Matrix* a);
/// Solves L L^T x = b given the factor from cholesky().
std::vector<double> cholesky_solve(const Matrix& l, const std::vector<double>& b);
/// Solves the SPD system a x = b; throws hwnas::Error when a is not positive definite.
std::vector<double> solve_spd(Matrix a, const std::vector<double>& b);

/// Eigen-decomposition of a symmetric matrix (Householder tridiagonalisation
/// + implicit QL, as in EISPACK tred2/tql2): a = V diag(values) V^T with the
/// eigenvalues ascending and the eigenvectors as the columns of V.
struct SymmetricEigen {
  std::vector<double> values;  ///< ascending
  Matrix vectors;              ///< column j is the unit eigenvector of values[j]
};
SymmetricEigen symmetric_eigen(const Matrix& a);

}  // namespace hwnas
