"""E9 (App. D): a classifier head on frozen ResNet18 features of CIFAR10."""
