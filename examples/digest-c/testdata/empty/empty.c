/* empty: the smallest C command module, for the start-up benchmark. */
int main(void) { return 0; }
