// sixsteps: the command-line client of the Six Steps Scrutiny Hub services.
#include "tools/sixsteps/dispatcher.h"

int main(int argc, char** argv) { return sixsteps::cli::Main(argc, argv); }
