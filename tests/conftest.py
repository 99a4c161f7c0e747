import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # table modules import each other by name
