/* rom_probe.c: runs a galerkin ROM from a C program through libgalerkin_rom.
 *
 * Loads a portable ROM file, sets one parameter, sets the initial state from a full field
 * (a text file of n numbers, or `mean` to start from the ROM's mean state), advances with
 * the ROM's own integrator and prints the field at a few grid indices and the energy every
 * EVERY steps: "t value_1 value_2 ... energy".
 *
 * Build (from the repository root, after `cargo build --release -p galerkin-capi`):
 *   cc -O2 -Icapi/include examples/embed/rom_probe.c \
 *      -Ltarget/release -lgalerkin_rom -Wl,-rpath,$PWD/target/release -o rom_probe
 * Run:
 *   ./rom_probe ROM.safetensors initial.txt viscosity 0.015 0.001 500 100 0 32 64
 *   (model, initial field, parameter name and value, dt, steps, print every, indices...)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "galerkin_rom.h"

/* Prints the failed call, its status and the library's message, and exits. */
static void check(GalerkinStatus status, const char *call) {
    if (status != GALERKIN_STATUS_OK) {
        fprintf(stderr, "rom_probe: %s failed (%s): %s\n", call,
                galerkin_status_name(status), galerkin_last_error());
        exit(1);
    }
}

/* Reads n numbers from the text file at path into a new array; exits on a short file. */
static double *read_field(const char *path, size_t n) {
    FILE *file = fopen(path, "r");
    if (!file) {
        fprintf(stderr, "rom_probe: cannot open %s\n", path);
        exit(1);
    }
    double *u = malloc(n * sizeof *u);
    for (size_t i = 0; i < n; ++i) {
        if (fscanf(file, "%lf", &u[i]) != 1) {
            fprintf(stderr, "rom_probe: %s has %zu numbers, the model needs %zu\n", path, i, n);
            exit(1);
        }
    }
    fclose(file);
    return u;
}

int main(int argc, char **argv) {
    if (argc < 9) {
        fprintf(stderr, "usage: rom_probe ROM INITIAL PARAM VALUE DT STEPS EVERY INDEX...\n");
        return 2;
    }
    const double value = atof(argv[4]), dt = atof(argv[5]);
    const long steps = atol(argv[6]), every = atol(argv[7]);
    const int probes = argc - 8;

    GalerkinModel *model = NULL;
    check(galerkin_model_load(argv[1], &model), "galerkin_model_load");
    size_t n = 0, r = 0;
    check(galerkin_model_full_dim(model, &n), "galerkin_model_full_dim");
    check(galerkin_model_rank(model, &r), "galerkin_model_rank");
    fprintf(stderr, "rom_probe: %s, n = %zu, r = %zu\n", argv[1], n, r);

    GalerkinInstance *run = NULL;
    check(galerkin_instance_new(model, dt, &run), "galerkin_instance_new");
    check(galerkin_instance_set_parameter(run, argv[3], value), "galerkin_instance_set_parameter");
    if (strcmp(argv[2], "mean") != 0) {
        double *u0 = read_field(argv[2], n);
        check(galerkin_instance_set_state_full(run, u0, n), "galerkin_instance_set_state_full");
        free(u0);
    }

    for (long step = 0; step <= steps; ++step) {
        if (step > 0) {
            check(galerkin_instance_step(run), "galerkin_instance_step");
        }
        if (step % every == 0) {
            double t = 0.0;
            check(galerkin_instance_time(run, &t), "galerkin_instance_time");
            printf("%.17g", t);
            for (int p = 0; p < probes; ++p) {
                double v = 0.0;
                check(galerkin_instance_probe(run, (size_t)atol(argv[8 + p]), &v),
                      "galerkin_instance_probe");
                printf(" %.17g", v);
            }
            double energy = 0.0;
            check(galerkin_instance_energy(run, &energy), "galerkin_instance_energy");
            printf(" %.17g\n", energy);
        }
    }
    galerkin_instance_free(run);
    galerkin_model_free(model);
    return 0;
}
