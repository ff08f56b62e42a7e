# pgo.mk: pgokit's make fragment. `include pgo.mk` gives a Go project the whole
# profile-guided build pipeline (fetch, merge, check, PGO build, image push) as
# pgo-* targets, driven by PGO_* knobs. `make pgo-help` lists the targets.
#
# House rules for a fragment other people include: every variable is PGO_*,
# every target pgo-*, knobs use ?= (set them before the include line or on the
# command line), the includer's default goal, all, clean, help, install and test
# are left alone, no global SHELL. Every file it writes is written to a temp
# file next to the target and renamed into place, so a failed or killed run
# never leaves half a file, and `make -j` is safe.

ifndef PGO_MK_FILE
PGO_MK_FILE := $(abspath $(lastword $(MAKEFILE_LIST)))
PGO_MK_DIR := $(dir $(PGO_MK_FILE))
PGO_MK_GOAL := $(.DEFAULT_GOAL)

# Where the pgokit tools are: bin/ next to this file in a pgokit tree, else PATH.
PGO_BIN ?= $(if $(wildcard $(PGO_MK_DIR)bin $(PGO_MK_DIR)tools),$(PGO_MK_DIR)bin)

# Where profiles come from: Go endpoints (host:port or URLs) or a file of them,
# or a Pyroscope server with a label selector and a time window.
PGO_TARGETS ?=
PGO_TARGETS_FILE ?=
PGO_SECONDS ?= 30
PGO_MIN_OK ?=
PGO_PYROSCOPE ?=
PGO_QUERY ?=
PGO_FROM ?= now-1h
PGO_TO ?= now
PGO_FETCH_FLAGS ?=
# How many successful fetches the profile is merged from (a sliding window).
PGO_KEEP ?= 1

# What is built and where things go.
PGO_DIR ?= .pgo
PGO_MAIN ?= .
PGO_PROFILE ?= $(PGO_MAIN)/default.pgo
PGO_OUT ?= $(PGO_DIR)/bin/$(notdir $(abspath $(PGO_MAIN)))
PGO_SRCS ?= $(shell find . -path ./.git -prune -o -path ./$(patsubst ./%,%,$(PGO_DIR)) -prune -o \
	\( -name '*.go' -o -name go.mod -o -name go.sum \) -print 2>/dev/null)
PGO_MERGE_FLAGS ?= -L
PGO_BUILD_ENV ?= CGO_ENABLED=0
PGO_BUILD_FLAGS ?= -trimpath
PGO_FALLBACK ?= 1
# A file for pgo-build's report of what the profile made the compiler do
# (empty: none; the report costs a second, debug-flagged compile).
PGO_REPORT ?=
PGO_TOP ?= 20

# The image: a registry reference (registry/repo:tag) or an OCI layout (oci:dir:tag).
PGO_IMAGE ?= oci:$(PGO_DIR)/oci:latest
PGO_BASE ?= scratch
PGO_IMAGE_PATH ?= /app/$(notdir $(PGO_OUT))
PGO_PUSH_FLAGS ?=

# Internal names (still PGO_*, so nothing collides with the includer's).
PGO_MK_T = $(if $(PGO_BIN),$(PGO_BIN)/)
PGO_MK_FETCHED = $(PGO_DIR)/fetch.stamp
PGO_MK_MERGED = $(PGO_DIR)/merged.pprof
PGO_MK_SVG = $(PGO_DIR)/profile.svg
PGO_MK_REF = $(PGO_DIR)/image.ref
PGO_MK_PKG = $(if $(filter /%,$(PGO_MAIN)),$(PGO_MAIN),./$(patsubst ./%,%,$(PGO_MAIN)))
PGO_MK_Q = '$(subst ','\'',$(1))'
# In `make pgo` a failed fetch or a rejected profile is a warning: the old
# profile stays and the build goes on (or falls back to no PGO).
PGO_MK_SOFT = $(if $(PGO_MK_KEEP_GOING),exit 0,exit 1)

PGO_MK_FETCH_CMD = $(if $(PGO_PYROSCOPE),\
	$(PGO_MK_T)pprof-fetch --pyroscope $(PGO_PYROSCOPE) --query $(call PGO_MK_Q,$(PGO_QUERY)) \
		--from $(PGO_FROM) --to $(PGO_TO) $(PGO_FETCH_FLAGS),\
	$(PGO_MK_T)pprof-fetch -s $(PGO_SECONDS) $(if $(PGO_MIN_OK),--min-ok $(PGO_MIN_OK)) \
		$(if $(PGO_TARGETS_FILE),-f $(PGO_TARGETS_FILE)) $(PGO_FETCH_FLAGS) $(PGO_TARGETS))
# $(call PGO_MK_BUILD_CMD,output): the build command line.
PGO_MK_BUILD_CMD = env $(PGO_BUILD_ENV) $(PGO_MK_T)pgo-build -p $(PGO_PROFILE) \
	$(if $(filter 1 yes true,$(PGO_FALLBACK)),--fallback) \
	$(if $(PGO_REPORT),--report $(call PGO_MK_Q,$(PGO_REPORT))) -o $(1) -- $(PGO_BUILD_FLAGS) $(PGO_MK_PKG)
# $(call PGO_MK_PUSH_CMD,extra flags): the push command line.
PGO_MK_PUSH_CMD = $(PGO_MK_T)img-push -b $(PGO_BASE) -f $(PGO_OUT):$(PGO_IMAGE_PATH):0755 \
	--entrypoint $(PGO_IMAGE_PATH) $(PGO_PUSH_FLAGS) $(1) $(PGO_IMAGE)
PGO_MK_KNOBS = PGO_BIN PGO_TARGETS PGO_TARGETS_FILE PGO_SECONDS PGO_MIN_OK PGO_PYROSCOPE \
	PGO_QUERY PGO_FROM PGO_TO PGO_FETCH_FLAGS PGO_KEEP PGO_DIR PGO_MAIN PGO_PROFILE PGO_OUT \
	PGO_MERGE_FLAGS PGO_BUILD_ENV PGO_BUILD_FLAGS PGO_FALLBACK PGO_REPORT PGO_TOP PGO_IMAGE PGO_BASE \
	PGO_IMAGE_PATH PGO_PUSH_FLAGS PGO_SRCS

pgo: PGO_MK_REFETCH = 1
pgo: PGO_MK_KEEP_GOING = 1
pgo: pgo-stat pgo-image ## fetch fresh profiles, then profile, report, PGO build and image

pgo-fetch: PGO_MK_REFETCH = 1
pgo-fetch: $(PGO_MK_FETCHED) ## fetch profiles now (a failure keeps the old ones)

pgo-merge: $(PGO_MK_MERGED) ## merge the fetched profiles into PGO_DIR/merged.pprof

pgo-profile: $(PGO_PROFILE) ## fetch (if nothing yet), merge, check, install as PGO_PROFILE

pgo-stat: $(PGO_MK_SVG) ## print the profile's top functions and write a flame graph
	@if [ -f $(PGO_PROFILE) ]; then \
		$(PGO_MK_T)pprof-stat -n $(PGO_TOP) $(PGO_PROFILE) || $(PGO_MK_SOFT); \
		if [ -f $(PGO_MK_SVG) ]; then echo "pgo: flame graph $(abspath $(PGO_MK_SVG))"; fi; \
	else echo "pgo: no profile $(PGO_PROFILE) yet" >&2; $(PGO_MK_SOFT); fi

pgo-build: $(PGO_OUT) ## PGO-build PGO_MAIN into PGO_OUT with the profile (pgo-build)

pgo-image: $(PGO_MK_REF) ## push PGO_OUT as PGO_IMAGE; the digest ref goes to PGO_DIR/image.ref
	@cat $(PGO_MK_REF)

pgo-clean: ## remove PGO_DIR and PGO_OUT (the profile stays)
	rm -rf $(PGO_DIR) $(PGO_OUT) $(PGO_OUT).pgo

pgo-help: ## list the pgo-* targets and the PGO_* knobs
	@echo 'pgo.mk targets:'
	@awk -F ':.*## ' '/^pgo[a-z-]*:.*## /{printf "  %-12s %s\n", $$1, $$2}' $(PGO_MK_FILE)
	@echo 'pgo.mk knobs (make VAR=value, or set them before the include line):'
	@$(foreach v,$(PGO_MK_KNOBS),printf '  %-16s %s\n' $(v) \
		$(call PGO_MK_Q,$(if $(filter PGO_SRCS,$(v)),$(words $(PGO_SRCS)) files,$($(v))));)

# A fetch runs when asked for (pgo, pgo-fetch) or when nothing was fetched yet.
# Each success becomes one file of concatenated profiles under fetch/; the
# stamp's mtime changes only then, so everything downstream is rebuilt only
# after new data arrived.
$(PGO_MK_FETCHED): pgo-mk-force
	@if [ -z "$(PGO_MK_REFETCH)" ] && [ -f $@ ]; then exit 0; fi; \
	if [ -z $(call PGO_MK_Q,$(PGO_PYROSCOPE)$(PGO_TARGETS)$(PGO_TARGETS_FILE)) ]; then \
		echo "pgo: set PGO_TARGETS, PGO_TARGETS_FILE or PGO_PYROSCOPE" >&2; exit 2; fi; \
	mkdir -p $(PGO_DIR)/fetch && \
	tmp=$(PGO_DIR)/fetch/.new.$$$$.tmp && \
	trap 'rm -f "$$tmp"; exit 1' INT TERM HUP && \
	printf '%s\n' $(call PGO_MK_Q,pgo: fetch: $(strip $(PGO_MK_FETCH_CMD))) >&2; \
	if $(PGO_MK_FETCH_CMD) >"$$tmp" && [ -s "$$tmp" ]; then \
		mv -f "$$tmp" $(PGO_DIR)/fetch/$$(date -u +%Y%m%dT%H%M%SZ)-$$$$.pprof && \
		ls $(PGO_DIR)/fetch/*.pprof | sort -r | tail -n +$$(($(PGO_KEEP) + 1)) | \
			while read -r f; do rm -f "$$f"; done && \
		touch $@; \
	else \
		rm -f "$$tmp"; \
		echo "pgo: warning: fetch failed; the old profiles stay" >&2; $(PGO_MK_SOFT); \
	fi

$(PGO_MK_MERGED): $(PGO_MK_FETCHED)
	@set -- $(PGO_DIR)/fetch/*.pprof; \
	if [ ! -f "$$1" ]; then echo "pgo: nothing fetched yet" >&2; $(PGO_MK_SOFT); fi; \
	echo "pgo: merge $$# fetch(es) -> $@" >&2; \
	$(PGO_MK_T)pprof-merge $(PGO_MERGE_FLAGS) -o $@ "$$@"

# The installed profile changes only when the new one passes the check (and
# differs): a bad fetch never replaces a good profile, nor triggers a rebuild.
$(PGO_PROFILE): $(PGO_MK_MERGED)
	@if [ ! -f $< ]; then $(PGO_MK_SOFT); fi; \
	if ! $(PGO_MK_T)pprof-stat --check $<; then \
		echo "pgo: $<: rejected by pprof-stat --check; keeping $@" >&2; $(PGO_MK_SOFT); \
	elif ! cmp -s $< $@; then \
		mkdir -p $(@D) && cp $< $@.$$$$.tmp && mv -f $@.$$$$.tmp $@ && \
		echo "pgo: profile $@ updated" >&2; \
	fi

$(PGO_MK_SVG): $(PGO_PROFILE)
	@if [ -f $< ]; then \
		mkdir -p $(@D) && \
		$(PGO_MK_T)pprof-stat --svg $< >$@.$$$$.tmp && mv -f $@.$$$$.tmp $@ || \
		{ rm -f $@.$$$$.tmp $@; echo "pgo: no flame graph" >&2; $(PGO_MK_SOFT); }; fi

# The binary depends on the sources, the profile and the build command line
# (a file rewritten only when the command changes), not on time. pgo-build -o
# writes it under a temp name and renames it into place, with its prepared
# profile beside it (PGO_OUT.pgo): the names the summary gives and the -pgo=
# path the binary records are the final ones.
$(PGO_OUT): $(PGO_PROFILE) $(PGO_SRCS) $(PGO_DIR)/build.cmd
	@mkdir -p $(@D) && \
	printf '%s\n' $(call PGO_MK_Q,pgo: build: $(strip $(call PGO_MK_BUILD_CMD,$@))) >&2 && \
	$(call PGO_MK_BUILD_CMD,$@)

$(PGO_MK_REF): $(PGO_OUT) $(PGO_DIR)/image.cmd
	@label=; if [ -f $(PGO_PROFILE) ]; then \
		label="--label org.pgokit.profile.digest=sha256:$$(sha256sum <$(PGO_PROFILE) | cut -d' ' -f1)"; fi; \
	echo "pgo: image: $(strip $(call PGO_MK_PUSH_CMD,$$label))" >&2; \
	$(call PGO_MK_PUSH_CMD,$$label) >$@.$$$$.tmp && mv -f $@.$$$$.tmp $@ || \
	{ rm -f $@.$$$$.tmp; exit 1; }

$(PGO_DIR)/build.cmd: pgo-mk-force
	@mkdir -p $(@D) && printf '%s\n' $(call PGO_MK_Q,$(call PGO_MK_BUILD_CMD,$(PGO_OUT))) >$@.$$$$.tmp && \
	if cmp -s $@.$$$$.tmp $@; then rm -f $@.$$$$.tmp; else mv -f $@.$$$$.tmp $@; fi

$(PGO_DIR)/image.cmd: pgo-mk-force
	@mkdir -p $(@D) && printf '%s\n' $(call PGO_MK_Q,$(PGO_MK_PUSH_CMD)) >$@.$$$$.tmp && \
	if cmp -s $@.$$$$.tmp $@; then rm -f $@.$$$$.tmp; else mv -f $@.$$$$.tmp $@; fi

pgo-mk-force:

# Files are renamed into place complete: make must not delete them on Ctrl-C.
.PRECIOUS: $(PGO_MK_FETCHED) $(PGO_MK_MERGED) $(PGO_PROFILE) $(PGO_MK_SVG) $(PGO_OUT) $(PGO_MK_REF)

.PHONY: pgo pgo-fetch pgo-merge pgo-profile pgo-stat pgo-build pgo-image pgo-clean pgo-help pgo-mk-force

.DEFAULT_GOAL := $(PGO_MK_GOAL)
endif
