/* server/version.h — the awsemu version reported by --version and /_awsemu/health. */
#ifndef AWSEMU_VERSION_H
#define AWSEMU_VERSION_H
#define AWSEMU_VERSION "0.1.0"
#endif
