# pgo.mk: pgokit's make fragment. `include pgo.mk` gives a Go project the whole
# profile-guided build pipeline (fetch, merge, check, PGO build, image push) as
# pgo-* targets, driven by PGO_* knobs. `make pgo-help` lists the targets.
#
# House rules for a fragment other people include: every variable is PGO_*,
# every target pgo-*, knobs use ?= (set them before the include line or on the
# command line), the includer's default goal, all, clean, help, install and test
# are left alone, no global SHELL. The tools write every file themselves (-o,
# -d): a temp file next to the target, renamed into place, removed on a signal,
# so a failed or killed run never leaves half a file or a temp, and `make -j`
# is safe. The few small files the recipes write go through a private
# directory a trap removes. Every knob reaches the shell single-quoted.

ifndef PGO_MK_FILE
PGO_MK_FILE := $(abspath $(lastword $(MAKEFILE_LIST)))
PGO_MK_NAME := $(lastword $(MAKEFILE_LIST))
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

# When a fresh profile replaces the installed one: when its drift (the share
# of hot call-edge weight that differs, pprof-stat --drift) is at least this
# many percent. Below it, nothing is rebuilt or pushed. See the README for
# how the default was measured.
PGO_DRIFT ?= 20
# 1: when the installed profile was taken under another Go than the build's,
# replace it with the fresh one whatever its drift (else: a warning).
PGO_GO_REFRESH ?=

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
# The platforms to build and push, os/arch[/variant] separated by spaces or
# commas (linux/amd64 linux/arm64): empty is the host's only. Several give
# one binary each, PGO_OUT-os-arch, built with the one profile, and an
# image index holding an image per platform.
PGO_PLATFORMS ?=
# A file for pgo-build's report of what the profile made the compiler do
# (empty: none; the report costs a second, debug-flagged compile).
PGO_REPORT ?=
PGO_TOP ?= 20

# The image: a registry reference (registry/repo:tag) or an OCI layout (oci:dir:tag).
PGO_IMAGE ?= oci:$(PGO_DIR)/oci:latest
PGO_BASE ?= scratch
PGO_IMAGE_PATH ?= /app/$(notdir $(PGO_OUT))
PGO_PUSH_FLAGS ?=

# A Markdown summary of each `make pgo` for a cron job to post (empty: none).
PGO_SUMMARY ?= $(PGO_DIR)/summary.md
# How long a run waits for another one on the same PGO_DIR (seconds).
PGO_LOCK_WAIT ?= 3600

# Internal names (still PGO_*, so nothing collides with the includer's).
# $(call PGO_MK_Q,text): text as one single-quoted shell word, whatever it
# holds (';', '$(...)', backquotes, spaces, quotes); PGO_MK_QW quotes each
# whitespace-separated word of a list knob (flags, targets) on its own.
PGO_MK_Q = '$(subst ','\'',$(1))'
PGO_MK_QW = $(foreach w,$(1),$(call PGO_MK_Q,$(w)))
PGO_MK_T = $(if $(PGO_BIN),$(PGO_BIN)/)
PGO_MK_TOOL = $(call PGO_MK_Q,$(PGO_MK_T)$(1))
PGO_MK_D = $(call PGO_MK_Q,$(PGO_DIR))
PGO_MK_FETCHED = $(PGO_DIR)/fetch.stamp
PGO_MK_MERGED = $(PGO_DIR)/merged.pprof
PGO_MK_VERDICT = $(PGO_DIR)/profile.verdict
PGO_MK_SVG = $(PGO_DIR)/profile.svg
PGO_MK_REF = $(PGO_DIR)/image.ref
PGO_MK_PKG = $(if $(filter /%,$(PGO_MAIN)),$(PGO_MAIN),./$(patsubst ./%,%,$(PGO_MAIN)))
# In `make pgo` a failed fetch or a rejected profile is a warning: the old
# profile stays and the build goes on (or falls back to no PGO).
PGO_MK_SOFT = $(if $(PGO_MK_KEEP_GOING),exit 0,exit 1)
# Each run marks what it did in PGO_DIR/run/ (emptied when the run takes the
# lock), so a target that had nothing to do can say so.
PGO_MK_DID = : >$(PGO_MK_D)/run/$(1)
PGO_MK_DONE = [ -e $(PGO_MK_D)/run/$(1) ]

# A recipe that writes files of its own: a private directory "$t" named after
# the recipe's shell, which the trap removes on exit and on HUP, INT or TERM
# before re-raising the signal. The trap is set before the directory exists,
# so there is no moment it could leak.
PGO_MK_TMP = t=$(PGO_MK_D)/.tmp.$$$$; trap 'rm -rf "$$t"' 0; \
	trap 'rm -rf "$$t"; trap - 0 HUP; kill -HUP $$$$' HUP; \
	trap 'rm -rf "$$t"; trap - 0 INT; kill -INT $$$$' INT; \
	trap 'rm -rf "$$t"; trap - 0 TERM; kill -TERM $$$$' TERM; \
	rm -rf "$$t" && mkdir -p "$$t"
# $(call PGO_MK_PUT,file): move "$t/put" into place as file.
PGO_MK_PUT = mv -f "$$t/put" $(call PGO_MK_Q,$(1))

# The Go the build uses (pgo-build runs $GO, else go), in the build's environment.
PGO_MK_GO = env $(call PGO_MK_QW,$(PGO_BUILD_ENV)) sh -c 'exec "$${GO:-go}" "$$@"' go

# $(call PGO_MK_FETCH_CMD,extra flags): the fetch command line.
PGO_MK_FETCH_CMD = $(if $(PGO_PYROSCOPE),\
	$(call PGO_MK_TOOL,pprof-fetch) --pyroscope $(call PGO_MK_Q,$(PGO_PYROSCOPE)) \
		--query $(call PGO_MK_Q,$(PGO_QUERY)) --from $(call PGO_MK_Q,$(PGO_FROM)) \
		--to $(call PGO_MK_Q,$(PGO_TO)) $(call PGO_MK_QW,$(PGO_FETCH_FLAGS)) $(1),\
	$(call PGO_MK_TOOL,pprof-fetch) -s $(call PGO_MK_Q,$(PGO_SECONDS)) \
		$(if $(PGO_MIN_OK),--min-ok $(call PGO_MK_Q,$(PGO_MIN_OK))) \
		$(if $(PGO_TARGETS_FILE),-f $(call PGO_MK_Q,$(PGO_TARGETS_FILE))) \
		$(call PGO_MK_QW,$(PGO_FETCH_FLAGS)) $(1) -- $(call PGO_MK_QW,$(PGO_TARGETS)))
# The platforms one to a word; with several, the binaries pgo-build writes.
PGO_MK_COMMA := ,
PGO_MK_PLATS = $(strip $(subst $(PGO_MK_COMMA), ,$(PGO_PLATFORMS)))
PGO_MK_SEVERAL = $(word 2,$(PGO_MK_PLATS))
PGO_MK_BINS = $(if $(PGO_MK_SEVERAL),$(foreach p,$(PGO_MK_PLATS),$(PGO_OUT)-$(subst /,-,$(p))),$(PGO_OUT))
PGO_MK_PLATFLAGS = $(if $(PGO_MK_PLATS), $(foreach p,$(PGO_MK_PLATS),--platform $(call PGO_MK_Q,$(p))))
# $(call PGO_MK_BUILD_CMD,output): the build command line.
PGO_MK_BUILD_CMD = env $(call PGO_MK_QW,$(PGO_BUILD_ENV)) $(call PGO_MK_TOOL,pgo-build) \
	-p $(call PGO_MK_Q,$(PGO_PROFILE)) $(if $(filter 1 yes true,$(PGO_FALLBACK)),--fallback)$(PGO_MK_PLATFLAGS) \
	$(if $(PGO_REPORT),--report $(call PGO_MK_Q,$(PGO_REPORT))) -o $(call PGO_MK_Q,$(1)) \
	-- $(call PGO_MK_QW,$(PGO_BUILD_FLAGS)) $(call PGO_MK_Q,$(PGO_MK_PKG))
# $(call PGO_MK_PUSH_CMD,extra flags): the push command line.
PGO_MK_PUSH_CMD = $(call PGO_MK_TOOL,img-push) -b $(call PGO_MK_Q,$(PGO_BASE))$(PGO_MK_PLATFLAGS) \
	-f $(call PGO_MK_Q,$(PGO_OUT)$(if $(PGO_MK_SEVERAL),-{platform}):$(PGO_IMAGE_PATH):0755) \
	--entrypoint $(call PGO_MK_Q,$(PGO_IMAGE_PATH)) $(call PGO_MK_QW,$(PGO_PUSH_FLAGS)) $(1) \
	-o $(call PGO_MK_Q,$(PGO_MK_REF)) $(call PGO_MK_Q,$(PGO_IMAGE))
PGO_MK_KNOBS = PGO_BIN PGO_TARGETS PGO_TARGETS_FILE PGO_SECONDS PGO_MIN_OK PGO_PYROSCOPE \
	PGO_QUERY PGO_FROM PGO_TO PGO_FETCH_FLAGS PGO_KEEP PGO_DRIFT PGO_GO_REFRESH PGO_DIR \
	PGO_MAIN PGO_PROFILE PGO_OUT PGO_MERGE_FLAGS PGO_BUILD_ENV PGO_BUILD_FLAGS PGO_FALLBACK \
	PGO_PLATFORMS \
	PGO_REPORT PGO_TOP PGO_IMAGE PGO_BASE PGO_IMAGE_PATH PGO_PUSH_FLAGS PGO_SUMMARY \
	PGO_LOCK_WAIT PGO_SRCS

# File names are make targets: make cannot have spaces in them.
$(foreach v,PGO_DIR PGO_PROFILE PGO_OUT,$(if $(word 2,$($(v))),\
	$(error pgo.mk: $(v)='$($(v))': a file name with spaces)))

pgo: PGO_MK_REFETCH = 1
pgo: PGO_MK_KEEP_GOING = 1
pgo: pgo-stat pgo-build pgo-image ## fetch fresh profiles, then profile, report, PGO build, image, summary
	@$(if $(PGO_SUMMARY),$(PGO_MK_SUMMARY))

pgo-fetch: PGO_MK_REFETCH = 1
pgo-fetch: $(PGO_MK_FETCHED) ## fetch profiles now (a failure keeps the old ones)

pgo-merge: $(PGO_MK_MERGED) ## merge the fetched profiles into PGO_DIR/merged.pprof
	@$(call PGO_MK_DONE,merged) || echo $(call PGO_MK_Q,pgo: up to date: $(PGO_MK_MERGED)) >&2

pgo-profile: $(PGO_PROFILE) ## fetch (if nothing yet), merge, check, install as PGO_PROFILE if it drifted
	@$(call PGO_MK_DONE,verdict) || echo $(call PGO_MK_Q,pgo: up to date: $(PGO_PROFILE)) >&2

pgo-stat: $(PGO_MK_SVG) ## print the profile's top functions and write a flame graph
	@if [ -f $(call PGO_MK_Q,$(PGO_PROFILE)) ]; then \
		$(call PGO_MK_TOOL,pprof-stat) -n $(call PGO_MK_Q,$(PGO_TOP)) \
			$(call PGO_MK_Q,$(PGO_PROFILE)) || $(PGO_MK_SOFT); \
		if [ -f $(call PGO_MK_Q,$(PGO_MK_SVG)) ]; then \
			echo $(call PGO_MK_Q,pgo: flame graph $(abspath $(PGO_MK_SVG))); fi; \
	else echo $(call PGO_MK_Q,pgo: no profile $(PGO_PROFILE) yet) >&2; $(PGO_MK_SOFT); fi

pgo-build: $(PGO_MK_BINS) ## PGO-build PGO_MAIN into PGO_OUT (PGO_OUT-os-arch each) with the profile
	@$(call PGO_MK_DONE,built) || echo $(call PGO_MK_Q,pgo: up to date: $(PGO_OUT)) >&2; \
	$(PGO_MK_GOCHECK)

pgo-image: $(PGO_MK_REF) ## push PGO_OUT as PGO_IMAGE (an index for several PGO_PLATFORMS); ref in PGO_DIR/image.ref
	@$(call PGO_MK_DONE,pushed) || echo "pgo: up to date: $$(cat $(call PGO_MK_Q,$(PGO_MK_REF)))" >&2; \
	cat $(call PGO_MK_Q,$(PGO_MK_REF))

pgo-summary: | pgo-mk-lock ## write the Markdown summary PGO_SUMMARY now (make pgo writes it too)
	@$(if $(PGO_SUMMARY),$(PGO_MK_SUMMARY),echo "pgo: PGO_SUMMARY is empty" >&2; exit 2)

pgo-clean: | pgo-mk-lock ## remove PGO_DIR and PGO_OUT (the profile stays)
	rm -rf $(call PGO_MK_Q,$(PGO_DIR)) $(call PGO_MK_QW,$(PGO_MK_BINS)) $(call PGO_MK_Q,$(PGO_OUT).pgo)

pgo-help: ## list the pgo-* targets and the PGO_* knobs
	@echo 'pgo.mk targets:'
	@awk -F ':.*## ' '/^pgo[a-z-]*:.*## /{printf "  %-12s %s\n", $$1, $$2}' $(call PGO_MK_Q,$(PGO_MK_FILE))
	@echo 'pgo.mk knobs (make VAR=value, or set them before the include line):'
	@$(foreach v,$(PGO_MK_KNOBS),printf '  %-16s %s\n' $(v) \
		$(call PGO_MK_Q,$(if $(filter PGO_SRCS,$(v)),$(words $(PGO_SRCS)) files,$(if \
		$(filter PGO_PLATFORMS,$(v)),$(or $(PGO_PLATFORMS),(the host's)),$($(v)))));)

# One run at a time per PGO_DIR: two `make pgo` would fetch, prune and
# install over each other. The lock (flock(1), util-linux) is held on an
# open file by a process that lives as long as this make (tail --pid), so it
# is released however make ends. A second run waits PGO_LOCK_WAIT seconds,
# saying so, then gives up. Without flock there is no lock; the files each
# run writes still have names of their own.
pgo-mk-lock:
	@mkdir -p $(PGO_MK_D) && \
	if command -v flock >/dev/null 2>&1; then \
		exec 9>>$(PGO_MK_D)/lock && \
		if ! flock -w 1 9; then \
			echo "pgo: another make pgo is running in $(PGO_DIR) (pid $$(cat $(PGO_MK_D)/lock.pid 2>/dev/null)); waiting" >&2; \
			flock -w $(call PGO_MK_Q,$(PGO_LOCK_WAIT)) 9 || \
			{ echo "pgo: $(PGO_DIR): another make pgo still running after $(PGO_LOCK_WAIT) s" >&2; exit 1; }; \
		fi && \
		{ tail --pid=$$PPID -s 0.1 -f /dev/null </dev/null >/dev/null 2>&1 & } && \
		echo $$PPID >$(PGO_MK_D)/lock.pid; \
	fi && rm -rf $(PGO_MK_D)/run && mkdir $(PGO_MK_D)/run

# A fetch runs when asked for (pgo, pgo-fetch) or when nothing was fetched yet.
# pprof-fetch writes one file per target into a private directory, renamed
# to fetch/TIME-PID once complete; the newest PGO_KEEP stay. The stamp's
# mtime changes only then, so everything downstream is rebuilt only after
# new data arrived.
$(PGO_MK_FETCHED): pgo-mk-force | pgo-mk-lock
	@if [ -z "$(PGO_MK_REFETCH)" ] && [ -f $(call PGO_MK_Q,$@) ]; then exit 0; fi; \
	if [ -z $(call PGO_MK_Q,$(PGO_PYROSCOPE)$(PGO_TARGETS)$(PGO_TARGETS_FILE)) ]; then \
		echo "pgo: set PGO_TARGETS, PGO_TARGETS_FILE or PGO_PYROSCOPE" >&2; exit 2; fi; \
	keep=$(call PGO_MK_Q,$(PGO_KEEP)); case $$keep in ''|*[!0-9]*|0) \
		echo "pgo: PGO_KEEP=$$keep: not a count" >&2; exit 2;; esac; \
	$(PGO_MK_TMP) && mkdir -p $(PGO_MK_D)/fetch && \
	printf '%s\n' $(call PGO_MK_Q,pgo: fetch: $(strip $(call PGO_MK_FETCH_CMD))) >&2; \
	if $(call PGO_MK_FETCH_CMD,-d "$$t/new") && [ -n "$$(ls "$$t/new" 2>/dev/null)" ]; then \
		mv "$$t/new" $(PGO_MK_D)/fetch/$$(date -u +%Y%m%dT%H%M%SZ)-$$$$ && \
		ls -d $(PGO_MK_D)/fetch/* | sort -r | tail -n +$$((keep + 1)) | \
			while read -r f; do rm -rf "$$f"; done && \
		touch $(call PGO_MK_Q,$@); \
	else \
		echo "pgo: warning: fetch failed; the old profiles stay" >&2; $(PGO_MK_SOFT); \
	fi

$(PGO_MK_MERGED): $(PGO_MK_FETCHED) | pgo-mk-lock
	@set -- $(PGO_MK_D)/fetch/*/*; \
	if [ ! -f "$$1" ]; then echo "pgo: nothing fetched yet" >&2; $(PGO_MK_SOFT); fi; \
	echo "pgo: merge $$(ls -d $(PGO_MK_D)/fetch/*/ | wc -l) fetch(es) -> $@" >&2; \
	$(call PGO_MK_TOOL,pprof-merge) $(call PGO_MK_QW,$(PGO_MERGE_FLAGS)) \
		-o $(call PGO_MK_Q,$@) "$$@" && $(call PGO_MK_DID,merged)

# The installed profile changes only when the fresh merge passes the check
# and drifted at least PGO_DRIFT percent from it (or there is none yet, or
# PGO_GO_REFRESH asks): a bad fetch never replaces a good profile, and new
# samples that change nothing Go's compiler uses rebuild nothing. The
# verdict file records the decision for this merge (and the summary).
$(PGO_MK_VERDICT): $(PGO_MK_MERGED) $(if $(wildcard $(PGO_PROFILE)),,pgo-mk-force) | pgo-mk-lock
	@new=$(call PGO_MK_Q,$<) old=$(call PGO_MK_Q,$(PGO_PROFILE)); \
	if [ ! -f "$$new" ]; then $(PGO_MK_SOFT); fi; \
	if ! $(call PGO_MK_TOOL,pprof-stat) --check "$$new"; then \
		echo "pgo: $$new: rejected by pprof-stat --check; keeping $$old" >&2; $(PGO_MK_SOFT); fi; \
	$(PGO_MK_TMP) && { $(PGO_MK_DECIDE); } && \
	if [ -n "$$install" ]; then \
		mkdir -p "$$(dirname "$$old")" && \
		$(call PGO_MK_TOOL,pprof-merge) -q -o "$$old" "$$new" && \
		gv=$$($(PGO_MK_GO) version $(call PGO_MK_Q,$(PGO_OUT)) 2>/dev/null | sed 's/.*: //'); \
		gv=$${gv:-$$($(PGO_MK_GO) env GOVERSION 2>/dev/null)}; \
		if [ -n "$$gv" ]; then echo "$$gv" >"$$t/put" && \
			$(call PGO_MK_PUT,$(PGO_PROFILE).goversion); fi; \
	fi && \
	echo "$$verdict" >&2 && echo "$$verdict" >"$$t/put" && $(call PGO_MK_PUT,$@) && \
	$(call PGO_MK_DID,verdict)

# Sets install (non-empty: replace the profile) and verdict (what to say),
# and writes PGO_DIR/diff.txt, pprof-stat --diff's top movers.
PGO_MK_DECIDE = install= verdict=; drift=; \
	rm -f $(PGO_MK_D)/diff.txt; \
	thr=$(call PGO_MK_Q,$(PGO_DRIFT)); case $$thr in ''|*[!0-9.]*) \
		echo "pgo: PGO_DRIFT=$$thr: not a percentage" >&2; exit 2;; esac; \
	if [ ! -f "$$old" ]; then \
		install=1 verdict="pgo: profile $$old installed (there was none)"; \
	elif cmp -s "$$old" "$$new"; then \
		verdict="pgo: profile unchanged for PGO (the same bytes)"; \
	else \
		$(call PGO_MK_TOOL,pprof-stat) --diff "$$old" -n 10 -o $(PGO_MK_D)/diff.txt "$$new" 2>/dev/null || \
			rm -f $(PGO_MK_D)/diff.txt; \
		drift=$$($(call PGO_MK_TOOL,pprof-stat) --drift "$$old" "$$new"); \
		case $$drift in [0-9]*) ;; *) drift=;; esac; \
		gvp=$$(cat "$$old.goversion" 2>/dev/null); gvb=$$($(PGO_MK_GO) env GOVERSION 2>/dev/null); \
		if [ -z "$$drift" ]; then \
			install=1 verdict="pgo: profile $$old updated (pprof-stat --drift failed: drift unknown)"; \
		elif awk -v d="$$drift" -v t="$$thr" 'BEGIN { exit !(d + 0 >= t + 0) }'; then \
			install=1 verdict="pgo: profile $$old updated (drift $$drift% >= $$thr%)"; \
		elif [ -n $(call PGO_MK_Q,$(filter 1 yes true,$(PGO_GO_REFRESH))) ] && [ -n "$$gvp" ] && \
			[ -n "$$gvb" ] && [ "$$gvp" != "$$gvb" ]; then \
			install=1 verdict="pgo: profile $$old updated (taken under $$gvp, the build uses $$gvb: PGO_GO_REFRESH; drift $$drift%)"; \
		else \
			verdict="pgo: profile unchanged for PGO (drift $$drift% < $$thr%)"; \
		fi; \
	fi

# Warn when the profile was taken under another Go than the build's.
PGO_MK_GOCHECK = p=$(call PGO_MK_Q,$(PGO_PROFILE)); \
	if [ -f "$$p" ] && [ -s "$$p.goversion" ]; then \
		gvp=$$(cat "$$p.goversion") && gvb=$$($(PGO_MK_GO) env GOVERSION 2>/dev/null) && \
		if [ -n "$$gvb" ] && [ "$$gvp" != "$$gvb" ]; then \
			echo "pgo: warning: $$p was taken under $$gvp, the build uses $$gvb: PGO gains shrink until it is re-profiled (PGO_GO_REFRESH=1 takes the next fresh profile)" >&2; \
		fi; \
	fi

# The installed profile is what the verdict left there; this rule only
# orders things (its mtime changes when the verdict installs a new one).
$(PGO_PROFILE): $(PGO_MK_VERDICT) ;

$(PGO_MK_SVG): $(PGO_PROFILE) | pgo-mk-lock
	@if [ -f $(call PGO_MK_Q,$<) ]; then \
		$(call PGO_MK_TOOL,pprof-stat) --svg -o $(call PGO_MK_Q,$@) $(call PGO_MK_Q,$<) || \
		{ rm -f $(call PGO_MK_Q,$@); echo "pgo: no flame graph" >&2; $(PGO_MK_SOFT); }; fi

# The binary depends on the sources, the profile and the build command line
# (a file rewritten only when the command changes), not on time. pgo-build -o
# writes it under a temp name and renames it into place, with its prepared
# profile beside it (PGO_OUT.pgo): the names the summary gives and the -pgo=
# path the binary records are the final ones. Several PGO_PLATFORMS: one run
# writes every binary (a grouped target).
$(PGO_MK_BINS) &: $(PGO_PROFILE) $(PGO_SRCS) $(PGO_DIR)/build.cmd | pgo-mk-lock
	@mkdir -p $(call PGO_MK_Q,$(patsubst %/,%,$(dir $(PGO_OUT)))) && \
	printf '%s\n' $(call PGO_MK_Q,pgo: build: $(strip $(call PGO_MK_BUILD_CMD,$(PGO_OUT)))) >&2 && \
	$(call PGO_MK_BUILD_CMD,$(PGO_OUT)) && $(call PGO_MK_DID,built)

$(PGO_MK_REF): $(PGO_MK_BINS) $(PGO_DIR)/image.cmd | pgo-mk-lock
	@label=; if [ -f $(call PGO_MK_Q,$(PGO_PROFILE)) ]; then \
		label="org.pgokit.profile.digest=sha256:$$(sha256sum <$(call PGO_MK_Q,$(PGO_PROFILE)) | cut -d' ' -f1)"; fi; \
	printf '%s\n' $(call PGO_MK_Q,pgo: image: $(strip $(call PGO_MK_PUSH_CMD,--label LABEL))) >&2; \
	$(call PGO_MK_PUSH_CMD,$${label:+--label} $${label:+"$$label"}) >/dev/null && \
	$(call PGO_MK_DID,pushed)

# $(call PGO_MK_CMDFILE,text): the file a rule depends on to redo its work
# when its command line changes; rewritten only then.
PGO_MK_CMDFILE = $(PGO_MK_TMP) && printf '%s\n' $(call PGO_MK_Q,$(1)) >"$$t/put" && \
	if ! cmp -s "$$t/put" $(call PGO_MK_Q,$@); then $(call PGO_MK_PUT,$@); fi

$(PGO_DIR)/build.cmd: pgo-mk-force | pgo-mk-lock
	@$(call PGO_MK_CMDFILE,$(call PGO_MK_BUILD_CMD,$(PGO_OUT)))

$(PGO_DIR)/image.cmd: pgo-mk-force | pgo-mk-lock
	@$(call PGO_MK_CMDFILE,$(PGO_MK_PUSH_CMD))

# The summary: what the tools said in this run and the last, for a chat or
# a pull request. Every figure is a tool's output, quoted.
PGO_MK_SUMMARY = $(PGO_MK_TMP) && p=$(call PGO_MK_Q,$(PGO_PROFILE)) && \
	{ echo "\#\#\# PGO profile: \`$$p\`" && echo && \
	  echo "- verdict: $$(sed 's/^pgo: //' $(PGO_MK_D)/profile.verdict 2>/dev/null || echo none yet)" && \
	  if [ -f "$$p" ]; then \
		echo "- profile: sha256:$$(sha256sum <"$$p" | cut -d' ' -f1), taken under $$(cat "$$p.goversion" 2>/dev/null || echo 'an unrecorded Go'); build Go: $$($(PGO_MK_GO) env GOVERSION 2>/dev/null)" && \
		echo "- installed profile: $$($(call PGO_MK_SUMMARY_EDGES,"$$p"))"; fi && \
	  if [ -f $(PGO_MK_D)/merged.pprof ]; then \
		echo "- fresh merge: $$($(call PGO_MK_SUMMARY_EDGES,$(PGO_MK_D)/merged.pprof))"; fi && \
	  if [ -f $(call PGO_MK_Q,$(PGO_MK_REF)) ]; then \
		echo "- image: \`$$(cat $(call PGO_MK_Q,$(PGO_MK_REF)))\` ($$($(call PGO_MK_DONE,pushed) && echo pushed by this run || echo unchanged))"; fi && \
	  if [ -s $(PGO_MK_D)/diff.txt ]; then \
		echo && echo "Top movers (\`pprof-stat --diff\`, installed profile -> fresh merge):" && echo && \
		echo '```' && cat $(PGO_MK_D)/diff.txt && echo '```'; fi; \
	} >"$$t/put" && $(call PGO_MK_PUT,$(PGO_SUMMARY)) && \
	echo $(call PGO_MK_Q,pgo: summary $(PGO_SUMMARY)) >&2
PGO_MK_SUMMARY_EDGES = $(call PGO_MK_TOOL,pprof-stat) --pgo -n 1 $(1) 2>/dev/null | \
	sed -n -e 's/^\(Call edges: .*\)/\1;/p' -e 's/^\(Hot edges: [^;]*\) at the.*/\1/p' | tr '\n' ' ' | sed 's/ $$//'

pgo-mk-force:

# Default to pgo-help when the includer names no goal at all: whether it
# does is known only after every makefile is read, and the one hook make
# runs then is remaking its makefiles. This rule makes pgo.mk such a target
# (it never changes it, so make does not restart) and fills in the goal.
$(PGO_MK_NAME): pgo-mk-goal ;
pgo-mk-goal:
	$(if $(.DEFAULT_GOAL),,$(eval .DEFAULT_GOAL := pgo-help))

# Files are renamed into place complete: make must not delete them on Ctrl-C.
.PRECIOUS: $(PGO_MK_FETCHED) $(PGO_MK_MERGED) $(PGO_MK_VERDICT) $(PGO_PROFILE) $(PGO_MK_SVG) \
	$(PGO_MK_BINS) $(PGO_MK_REF)

.PHONY: pgo pgo-fetch pgo-merge pgo-profile pgo-stat pgo-build pgo-image pgo-summary pgo-clean \
	pgo-help pgo-mk-force pgo-mk-lock pgo-mk-goal

.DEFAULT_GOAL := $(PGO_MK_GOAL)
endif
