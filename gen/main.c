/* aitune-gen: the command-line driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/config.h"
#include "gen/inspect.h"
#include "gen/kernel.h"
#include "gen/model_load.h"
#include "strategies/pipeline.h"
#include "ir/onnx.h"

#define AIT_VERSION "0.1.0"

static int usage(FILE *f)
{
    fputs("usage: aitune-gen [--quiet] [--set section.key=value]... config.ini   tune, write out/<name>.*\n"
          "       aitune-gen --load out/<name>.manifest.ini      re-emit the tuned code without tuning\n"
          "       aitune-gen inspect [--shape [input=]1x3x224x224] [--depth N] model.onnx\n"
          "       aitune-gen --version\n",
          f);
    return f == stderr ? 2 : 0;
}

static int fail(const ait_diag *d)
{
    fprintf(stderr, "aitune-gen: %s\n", d->msg);
    return 1;
}

static int cmd_inspect(int argc, char **argv)
{
    const char *model = NULL, *shapes[16];
    int n_shapes = 0, depth = 3;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc && n_shapes < 16)
            shapes[n_shapes++] = argv[++i];
        else if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc)
            depth = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !model)
            model = argv[i];
        else
            return usage(stderr);
    }
    if (!model)
        return usage(stderr);
    ait_arena a = {0};
    ait_diag d = {0};
    ait_graph *g;
    if (ait_onnx_load(&a, model, &g, &d) != AIT_OK)
        return fail(&d);
    for (int i = 0; i < n_shapes; i++)
        if (ait_bind_shape_arg(g, shapes[i], &d) != AIT_OK)
            return fail(&d);
    char note[512];
    if (ait_bind_symbolic_to_one(g, note, sizeof note))
        printf("note: symbolic dimensions bound to 1 (use --shape): %s\n", note);
    if (ait_graph_resolve(g, &d) != AIT_OK)
        return fail(&d);
    printf("%s: opset %d, %d nodes, %d inputs:", model, g->opset, g->n_nodes, g->n_inputs);
    for (int i = 0; i < g->n_inputs; i++) {
        char s[160];
        printf(" %s %s", g->t[g->inputs[i]].name, ait_tensor_shape_str(&g->t[g->inputs[i]], s, sizeof s));
    }
    printf("\n\n");
    ait_inspect_print(stdout, g, depth);
    ait_arena_free_all(&a);
    return 0;
}

/* The command line as typed, for banners and reports. */
static const char *command_line(int argc, char **argv)
{
    static char buf[2048];
    size_t k = (size_t)snprintf(buf, sizeof buf, "aitune-gen");
    for (int i = 0; i < argc && k < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, " %s", argv[i]);
    return buf;
}

static int cmd_tune(int argc, char **argv)
{
    const char *config = NULL, *load = NULL, *sets[64];
    int n_sets = 0, quiet = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && n_sets < 64)
            sets[n_sets++] = argv[++i];
        else if (strncmp(argv[i], "--set=", 6) == 0 && n_sets < 64)
            sets[n_sets++] = argv[i] + 6;
        else if (strcmp(argv[i], "--load") == 0 && i + 1 < argc)
            load = argv[++i];
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else if (argv[i][0] != '-' && !config)
            config = argv[i];
        else
            return usage(stderr);
    }
    ait_diag d = {0};
    ait_tune_opts o = {.cmdline = command_line(argc, argv), .log = quiet ? NULL : stdout};
    if (load) {
        if (config || n_sets)
            return usage(stderr);
        return ait_tune_load_manifest(load, &o, &d) == AIT_OK ? 0 : fail(&d);
    }
    if (!config)
        return usage(stderr);
    static ait_config c;
    if (ait_config_load(&c, config, &d) != AIT_OK)
        return fail(&d);
    for (int i = 0; i < n_sets; i++)
        if (ait_config_set(&c, sets[i], &d) != AIT_OK)
            return fail(&d);
    return ait_tune_config(&c, &o, &d) == AIT_OK ? 0 : fail(&d);
}

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"inspect", cmd_inspect},
};

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return usage(stdout);
    if (strcmp(argv[1], "--version") == 0) {
        puts("aitune-gen " AIT_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    return cmd_tune(argc - 1, argv + 1);
}
