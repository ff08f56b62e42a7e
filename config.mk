# pgokit build settings: edit here, or override on the make command line.
VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
SHAREDIR = $(PREFIX)/share/pgokit

CC ?= cc
CFLAGS_WARN = -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DPGOKIT_VERSION='"$(VERSION)"' -Ilib
PGO_CFLAGS = -std=c11 $(CFLAGS_WARN)
LDLIBS = -lprotobuf-c -ldeflate -lz -lcurl -ljansson -lcrypto -larchive -lm

# make SAN=1: AddressSanitizer and UndefinedBehaviorSanitizer. Strict: the
# first report of either aborts the run (recovered UB is only printed, and a
# run that prints it still exits 0). make fuzz uses the same SANFLAGS.
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all
ifeq ($(SAN),1)
CFLAGS = -O1 -g -fno-omit-frame-pointer $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
BUILDDIR = build-san
else
BUILDDIR = build
endif

# The Go toolchain the tests and the demo use: Go 1.23 from bookworm-backports.
GOROOT_123 = /usr/lib/go-1.23
