# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The ``distutils.errors`` exception classes (names as in CPython 3.11),
for code that catches them (mmengine's ``collect_env``)."""


class DistutilsError(Exception):
    """The root of all distutils exceptions."""


class DistutilsModuleError(DistutilsError):
    """A module could not be loaded."""


class DistutilsFileError(DistutilsError):
    """A file is missing or unusable."""


class DistutilsOptionError(DistutilsError):
    """A bad option was given."""


class DistutilsPlatformError(DistutilsError):
    """The platform cannot do what was asked (no C compiler)."""


class DistutilsExecError(DistutilsError):
    """An external program failed."""


class CCompilerError(Exception):
    """Failure in a C compiler call."""


class CompileError(CCompilerError):
    """Failure to compile a source file."""


class LinkError(CCompilerError):
    """Failure to link."""
