# The sgd_support package of this checkout, for the workflow and for its jobs, which
# import it through PYTHONPATH whatever is installed (cluster jobs re-read this file,
# so they get it too). Any PYTHONPATH of the caller is replaced.
import os
import sys

SRC = os.path.join(workflow.basedir, "src")
sys.path.insert(0, SRC)
os.environ.update(PYTHONPATH=SRC)

from sgd_support.cli.common import one_line_errors
from sgd_support.sweep import config_check

# A config mistake ends the workflow with one line naming the file, line or key (exit
# code 2, as sgd-support's commands; SGD_SUPPORT_DEBUG=1 shows the traceback).
read_config_file = one_line_errors(config_check.read_config_file)
check_config_files = one_line_errors(config_check.check_config_files)
