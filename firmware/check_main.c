/* Runs a model's emitted C on the Cortex-M under qemu against its expected outputs (embedded by
 * firmware_check.sh as fw_input / fw_expected): fp32 builds within rtol 1e-4, atol 1e-5 (as
 * tests/run_emitted.c), quantized ones (-DQUANT_MIN=...) by cosine similarity.  Prints one line
 * and returns 0 when it matches. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include MODEL_H

void fw_puts(const char *s);
extern const unsigned int fw_input[], fw_expected[];

static float x[IN_N], y[OUT_N], e[OUT_N];

int main(void)
{
    char line[160];
    const float *in[1] = {x};
    float *out[1] = {y};
    memcpy(x, fw_input, sizeof x);
    memcpy(e, fw_expected, sizeof e);
    int rc = RUN(in, out, 1);
    double worst = 0, ge = 0, gg = 0, ee = 0;
    int bad = -1;
    for (int i = 0; i < OUT_N; i++) {
        double err = fabs((double)y[i] - e[i]);
        if (!(err <= 1e-5 + 1e-4 * fabs(e[i])) && bad < 0)
            bad = i;
        worst = err > worst || err != err ? err : worst;
        ge += (double)y[i] * e[i];
        gg += (double)y[i] * y[i];
        ee += (double)e[i] * e[i];
    }
    double cosine = gg > 0 && ee > 0 ? ge / sqrt(gg * ee) : gg == ee;
#ifdef QUANT_MIN
    int ok = rc == 0 && cosine >= QUANT_MIN && worst == worst;
#else
    int ok = rc == 0 && bad < 0;
#endif
    snprintf(line, sizeof line, "%s %s: %s, max abs err %.3g, cosine %.6f%s\n", NAME, BACKEND, ok ? "ok" : "FAIL",
             worst, cosine, rc ? " (run returned an error)" : "");
    fw_puts(line);
    return ok ? 0 : 1;
}
