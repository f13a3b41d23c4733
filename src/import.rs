//! import (being built)
