// Matrix: the dense matrix of the latency predictors, Eigen's, row-major so
// that a row is one sample's features. Products, Cholesky (Eigen::LLT) and
// the symmetric eigen-decomposition (Eigen::SelfAdjointEigenSolver) are
// Eigen's; this header adds the few conversions and checks the predictors share.
#pragma once

#include <Eigen/Dense>
#include <vector>

namespace hwnas {

/// Dense row-major matrix of doubles: rows are samples, columns features.
/// Matrix(rows, cols) leaves the values unset; Matrix::Zero(rows, cols) zeroes them.
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// Dense column vector of doubles.
using Vector = Eigen::VectorXd;

/// Builds from equal-length rows; throws hwnas::Error on ragged input.
Matrix matrix_from_rows(const std::vector<std::vector<double>>& rows);

/// A std::vector seen as an Eigen vector (no copy; valid while `v` is).
inline Eigen::Map<const Vector> as_vector(const std::vector<double>& v) {
  return {v.data(), static_cast<Eigen::Index>(v.size())};
}
/// A copy of the values of an Eigen vector (or row).
template <class Derived>
std::vector<double> to_std_vector(const Eigen::DenseBase<Derived>& v) {
  return std::vector<double>(v.begin(), v.end());
}

/// Whether a Cholesky factorisation succeeded: Eigen reported success and
/// every pivot of L is positive and finite (a matrix with a NaN passes Eigen's
/// own test), i.e. the matrix is numerically positive definite.
bool positive_definite(const Eigen::LLT<Matrix>& llt);

/// Solves the symmetric positive-definite system a x = b (Eigen's LLT, lower
/// triangle read); throws hwnas::Error when a is not positive definite.
Vector solve_spd(const Matrix& a, const Vector& b);

}  // namespace hwnas
