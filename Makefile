# pgokit: build the shared library and every tool, run the tests and benchmarks.
include config.mk

OUT = $(BUILDDIR)
ifeq ($(SAN),1)
BIN = $(BUILDDIR)/bin
else
BIN = bin
endif

# lib/<concern>/*.c is archived into one static library; tools/<name>/*.c
# (the tool's main and its own driver) link against it.
PB = lib/pprof/profile.pb-c
LIB_SRC = $(sort $(wildcard lib/*/*.c) $(PB).c)
LIB_OBJ = $(patsubst lib/%.c,$(OUT)/lib/%.o,$(LIB_SRC))
LIB_HDR = $(wildcard lib/*/*.h) $(PB).h
LIBA = $(OUT)/libpgo.a

TOOLS = $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard tools/*/*.c)))))
TOOL_BINS = $(addprefix $(BIN)/,$(TOOLS))
MANS = $(wildcard tools/*/*.1)

UNIT_SRC = $(sort $(wildcard tests/unit/*.c))
UNIT_BINS = $(patsubst tests/unit/%.c,$(OUT)/tests/unit/%,$(UNIT_SRC))
HELPER_SRC = $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS = $(patsubst tests/helpers/%.c,$(OUT)/tests/helpers/%,$(HELPER_SRC))

ALL_CFLAGS = $(PGO_CFLAGS) $(CPPFLAGS) $(CFLAGS)

all: $(TOOL_BINS)

$(PB).c $(PB).h &: lib/pprof/profile.proto
	cd lib/pprof && protoc-c --c_out=. profile.proto

$(OUT)/lib/pprof/profile.pb-c.o: $(PB).c $(PB).h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-error -c -o $@ $<

$(OUT)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@.tmp
	$(AR) rcs $@.tmp $(LIB_OBJ) && mv -f $@.tmp $@

.SECONDEXPANSION:
$(BIN)/%: $$(wildcard tools/%/*.c) $$(wildcard tools/%/*.h) $(LIBA) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(LIBA) $(LDLIBS)

$(OUT)/tests/unit/%: tests/unit/%.c tests/unit/tap.h $(LIBA) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(OUT)/tests/helpers/%: tests/helpers/%.c $(LIBA) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

# Everything the test scripts find through the environment.
TEST_ENV = PGOKIT_BIN=$(abspath $(BIN)) PGOKIT_BUILD=$(abspath $(OUT)) \
	PGOKIT_SRC=$(CURDIR) PGOKIT_SAN=$(SAN) GOROOT_123=$(GOROOT_123)

check: all $(UNIT_BINS) $(HELPER_BINS)
	$(TEST_ENV) sh tests/run.sh $(T)

bench: all $(HELPER_BINS)
	$(TEST_ENV) sh tests/bench/run.sh

# Fuzz targets: clang's libFuzzer; make fuzz FUZZTIME=60 runs each longer.
# The library is compiled once for all targets, instrumented.
FUZZ_SRC = $(sort $(wildcard tests/fuzz/*.c))
FUZZ_BINS = $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ = $(patsubst lib/%.c,build-fuzz/lib/%.o,$(LIB_SRC))
FUZZ_CFLAGS = -std=c11 -g -O1 $(CPPFLAGS) -fsanitize=fuzzer-no-link $(SANFLAGS)
FUZZTIME = 20
build-fuzz/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -c -o $@ $<
build-fuzz/libpgo.a: $(FUZZ_OBJ)
	@rm -f $@.tmp
	$(AR) rcs $@.tmp $(FUZZ_OBJ) && mv -f $@.tmp $@
build-fuzz/%: tests/fuzz/%.c build-fuzz/libpgo.a $(LIB_HDR)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libpgo.a $(LDLIBS)
fuzz-build: $(FUZZ_BINS)
# The compiler line of a fuzz target, for tests that build one of their own.
fuzz-cc:
	@echo clang -std=c11 -g -O1 -fsanitize=fuzzer $(SANFLAGS)
fuzz: $(FUZZ_BINS)
	FUZZTIME=$(FUZZTIME) FUZZ_KEEP=$(CURDIR)/build-fuzz/failed $(TEST_ENV) sh tests/fuzz/run.sh $(FUZZ_BINS)

deps:
	sh tests/deps.sh

# The demo installs what is missing and builds the tools itself.
demo:
	$(MAKE) -C examples/service demo PGOKIT=$(CURDIR)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	for t in $(TOOLS); do cp -f $(BIN)/$$t $(DESTDIR)$(BINDIR)/$$t.tmp && \
		mv -f $(DESTDIR)$(BINDIR)/$$t.tmp $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(MANS); do cp -f $$m $(DESTDIR)$(MANDIR)/; done
	mkdir -p $(DESTDIR)$(SHAREDIR)
	cp -f pgo.mk $(DESTDIR)$(SHAREDIR)/pgo.mk

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(MANS); do rm -f $(DESTDIR)$(MANDIR)/$${m##*/}; done
	rm -f $(DESTDIR)$(SHAREDIR)/pgo.mk

clean:
	rm -rf bin build build-san build-fuzz $(PB).c $(PB).h

.PHONY: all check bench fuzz fuzz-build fuzz-cc deps demo install uninstall clean
.SECONDARY:
