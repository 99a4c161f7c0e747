"""Write examples/data/diabetes.csv from scikit-learn's bundled diabetes data (442 patients,
10 standardized features, target: disease progression after one year). Run once; the CSV is
committed so the example needs no scikit-learn."""
import os

from sklearn.datasets import load_diabetes

d = load_diabetes()
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "diabetes.csv")
with open(path, "w") as f:
    f.write(",".join(list(d.feature_names) + ["progression"]) + "\n")
    for row, t in zip(d.data, d.target):
        f.write(",".join(f"{v:.6g}" for v in row) + f",{t:g}\n")
print("wrote", path)
