#ifndef PMETA_CMD_CONFIG_DIAG_H
#define PMETA_CMD_CONFIG_DIAG_H

struct config;

/*
 * Prints a compiled config's diagnostics to stderr, "error: file:line: msg"
 * and "warning: file:line: msg", in line order; at most max_warnings
 * warnings (then a count of the rest). Defined in cmd/check.c.
 */
void print_config_diags(const struct config *cfg, size_t max_warnings);

#endif
