# Copyright (c) mmselfsup_rot contributors. All rights reserved.
