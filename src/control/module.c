/* module.c — the use-control module's schema (see control.h). */
#include "control/control.h"

const tb_resource *const tb_control_resources[] = {NULL};
const tb_module tb_control_module = {"control", NULL, 0};
